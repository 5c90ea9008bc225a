import { json } from '@sveltejs/kit';
import { NodeHeartbeat } from '$lib/protocol/seed-nodes';
import { leaseGate } from '$lib/readiness/lease-gate';
import { ApiError, readJson, withApiErrors } from '$lib/server/http/api';
import { heartbeatReadiness, heartbeatView, requireNodeToken } from '$lib/server/http/seed-nodes';
import { recordHeartbeat, restSession } from '$lib/server/volunteers/rest-nodes';
import type { RequestHandler } from './$types';

/** The seed's heartbeat: the hub scores the node's report itself and answers its own verdict. */
export const POST: RequestHandler = withApiErrors(async ({ request, params: { id }, locals: { hub } }) => {
	requireNodeToken(hub, request, id);
	const session = await restSession(hub.db, id);
	if (!session) throw new ApiError(404, `no node "${id}": register it first with POST /nodes/register`);
	const reported = heartbeatReadiness(await readJson(request, NodeHeartbeat, 64 * 1024));
	const gate = leaseGate('auto', reported, hub.config.readinessThreshold, session.readyForAi);
	const readiness = { ...reported, score: gate.score, band: gate.band, tier: gate.tier };
	await recordHeartbeat(hub.db, id, readiness, gate.open);
	return json(heartbeatView(id, gate));
});
