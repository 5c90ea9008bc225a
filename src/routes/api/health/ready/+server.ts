import { json } from '@sveltejs/kit';
import { checkReadiness } from '$lib/server/health/readiness';
import type { RequestHandler } from './$types';

/** Readiness: 200 while this hub should get traffic, 503 with the reason while not (health/readiness.ts). */
export const GET: RequestHandler = async ({ locals: { hub } }) => {
	const view = await checkReadiness(hub);
	return json(view, { status: view.ready ? 200 : 503, headers: { 'cache-control': 'no-store' } });
};
