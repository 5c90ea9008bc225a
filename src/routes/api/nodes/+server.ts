import { json } from '@sveltejs/kit';
import { withApiErrors } from '$lib/server/http/api';
import { liveSessions } from '$lib/server/volunteers/sessions';
import { nodeViews } from '$lib/server/volunteers/node-views';
import type { RequestHandler } from './$types';

/** Connected volunteers with their readiness, across every hub process (also the seed's GET /nodes/ai-readiness). */
export const GET: RequestHandler = withApiErrors(async ({ locals: { hub } }) => {
	return json(nodeViews(await liveSessions(hub.db, hub.config.heartbeatMs * 3)));
});
