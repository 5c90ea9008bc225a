import { json } from '@sveltejs/kit';
import { leaseGate } from '$lib/readiness/lease-gate';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { nodeDetailView, requireNodeToken } from '$lib/server/http/seed-nodes';
import { liveSessions, sessionStaleMs } from '$lib/server/volunteers/sessions';
import { nodeViews } from '$lib/server/volunteers/node-views';
import type { RequestHandler } from './$types';

/**
 * One node in detail: the list's view plus why it is (not) ready and what its power tier allows. For the
 * node itself (its own token from POST /nodes/register) or the admin: it tells when its owner is away.
 */
export const GET: RequestHandler = withApiErrors(async ({ request, params: { id }, locals: { hub } }) => {
	requireNodeToken(hub, request, id);
	const sessions = (await liveSessions(hub.db, sessionStaleMs(hub.config.heartbeatMs))).filter((s) => s.volunteerId === id);
	const [view] = nodeViews(sessions);
	if (!view) throw new ApiError(404, `no live node "${id}"`);
	const latest = sessions.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
	const gate = leaseGate(latest.mode, latest.readiness, hub.config.readinessThreshold, latest.readyForAi);
	return json(nodeDetailView(view, hub.config.readinessThreshold, gate, latest.capabilities));
});
