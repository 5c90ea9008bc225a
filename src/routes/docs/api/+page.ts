import { HubApi } from '$lib/api-client/hub-api';
import { OpenApiDoc } from './openapi-shape';
import type { PageLoad } from './$types';

/** The reference is the hub's own OpenAPI document, read like any client would: nothing on this page is written twice. */
export const load: PageLoad = async ({ fetch }) => ({ doc: await new HubApi({ fetch }).call(OpenApiDoc, '/openapi.json') });
