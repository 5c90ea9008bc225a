import { json } from '@sveltejs/kit';
import { openApiDocument } from '$lib/server/openapi/document';
import type { RequestHandler } from './$types';

/** The OpenAPI 3.1 document of this hub's REST API: public, the same for every caller, so cacheable. */
export const GET: RequestHandler = () =>
	json(openApiDocument(), { headers: { 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' } });
