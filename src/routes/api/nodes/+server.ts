import { json } from '@sveltejs/kit';
import { authenticate, bearerOf, credentialsOf } from '$lib/server/auth/authenticate';
import { withApiErrors } from '$lib/server/http/api';
import { liveSessions, sessionStaleMs } from '$lib/server/volunteers/sessions';
import { nodeSummary, nodeViews } from '$lib/server/volunteers/node-views';
import type { RequestHandler } from './$types';

/**
 * Connected volunteers across every hub process (also the seed's GET /nodes/ai-readiness): with the
 * admin token, one entry per node as the seed listed them; for anyone else, counts only (node-views.ts).
 */
export const GET: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	const sessions = await liveSessions(hub.db, sessionStaleMs(hub.config.heartbeatMs));
	const token = bearerOf(request);
	const admin = token !== null && (await authenticate(credentialsOf(hub), token))?.kind === 'admin';
	return json(admin ? nodeViews(sessions) : nodeSummary(sessions));
});
