/**
 * The seed's node endpoints, kept for its users and for agents that are not browsers:
 * POST /nodes/register, POST /nodes/{id}/heartbeat, GET /nodes/{id}/health/detailed.
 *
 * A registration answers with a `token` (the node's signed identity): heartbeats must carry it as
 * `Authorization: Bearer <token>` (or the hub's API token), so nobody can report for a node they did
 * not register; registering a taken id again needs it too. The hub scores a heartbeat itself with the
 * same readiness function as for browsers (lease-gate.ts) and reports its own `ready_for_ai`.
 */
import { json, type RequestEvent } from '@sveltejs/kit';
import { getHub } from '../runtime';
import type { Hub } from '../hub';
import { ApiError, readJson, withApiErrors } from './api';
import { hasBearer } from '../auth/api-token';
import { NodeHeartbeat, NodeId, NodeRegistration } from '../../protocol/seed-nodes';
import type { Capabilities, Readiness } from '../../protocol/volunteer';
import { leaseGate } from '../../readiness/lease-gate';
import { DEFAULT_SIGNALS_CONFIG } from '../../readiness/score';
import { nodeExists, recordHeartbeat, registerNode, restSession } from '../volunteers/rest-nodes';
import { liveSessions } from '../volunteers/sessions';
import { nodeViews } from '../volunteers/node-views';

const MAX_BODY = 64 * 1024;

function nodeIdParam(event: RequestEvent): string {
	const parsed = NodeId.safeParse(event.params.id);
	if (!parsed.success) throw new ApiError(400, `invalid node id: ${parsed.error.issues[0].message}`);
	return parsed.data;
}

/** The node's own token, or the hub's API token. */
function requireNodeToken(hub: Hub, request: Request, nodeId: string) {
	if (hasBearer(request, hub.apiToken) || hasBearer(request, hub.identities.issueFor(nodeId))) return;
	throw new ApiError(401, `send the token POST /nodes/register gave for "${nodeId}" as Authorization: Bearer <token>`);
}

export const register = withApiErrors(async ({ request }) => {
	const hub = await getHub();
	const r = await readJson(request, NodeRegistration, MAX_BODY);
	if (await nodeExists(hub.db, r.id)) requireNodeToken(hub, request, r.id);
	const capabilities: Capabilities = {
		agent: 'node',
		backend: 'native',
		webgpu: null,
		cores: r.cores ?? 1,
		deviceMemory: r.memory_gb ?? null,
		crossOriginIsolated: false,
		taskTypes: ['embedding'],
		userAgent: `seed-agent (${r.capabilities.join(', ').slice(0, 400)})`
	};
	await registerNode(hub.db, r.id, capabilities, { score: 0, ready: false });
	return json({ node_id: r.id, token: hub.identities.issueFor(r.id), heartbeat_seconds: hub.config.heartbeatMs / 1000 }, { status: 201 });
});

/** The seed's heartbeat as the readiness a browser reports, so one scoring function judges both. */
function readinessOf(h: NodeHeartbeat): Readiness {
	const idle = h.idle_state;
	const isIdle = idle?.state ? idle.state === 'idle' : (idle?.is_idle ?? false);
	const threshold = idle?.threshold_seconds ?? DEFAULT_SIGNALS_CONFIG.idleThresholdSeconds;
	const power = h.power_state;
	return {
		score: h.readiness_score ?? 0,
		ready: h.ready_for_ai,
		idle: {
			state: isIdle ? 'idle' : 'active',
			seconds: idle?.idle_seconds ?? (isIdle ? threshold : 0),
			thresholdSeconds: threshold,
			source: 'page'
		},
		power:
			power?.plugged_in === undefined && power?.battery_percent == null
				? null
				: { charging: power?.plugged_in ?? false, level: (power?.battery_percent ?? 100) / 100 },
		batteryFloor: DEFAULT_SIGNALS_CONFIG.batteryFloor,
		pressure: h.pressure ?? null
	};
}

export const heartbeat = withApiErrors(async (event) => {
	const hub = await getHub();
	const id = nodeIdParam(event);
	requireNodeToken(hub, event.request, id);
	const session = await restSession(hub.db, id);
	if (!session) throw new ApiError(404, `no node "${id}": register it first with POST /nodes/register`);
	const reported = readinessOf(await readJson(event.request, NodeHeartbeat, MAX_BODY));
	const gate = leaseGate('auto', reported, hub.config.readinessThreshold, session.readyForAi);
	const readiness = { ...reported, score: gate.score, band: gate.band, tier: gate.tier };
	await recordHeartbeat(hub.db, id, readiness, gate.open);
	return json({ node_id: id, readiness_score: gate.score, ready_for_ai: gate.open, band: gate.band, blockers: gate.blockers });
});

/** One node in detail: the list's view plus why it is (not) ready and what its power tier allows. */
export const healthDetailed = withApiErrors(async (event) => {
	const hub = await getHub();
	const id = event.params.id ?? '';
	const sessions = (await liveSessions(hub.db, hub.config.heartbeatMs * 3)).filter((s) => s.volunteerId === id);
	const [view] = nodeViews(sessions);
	if (!view) throw new ApiError(404, `no live node "${id}"`);
	const latest = sessions.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
	const gate = leaseGate(latest.mode, latest.readiness, hub.config.readinessThreshold, latest.readyForAi);
	return json({
		...view,
		readiness_threshold: hub.config.readinessThreshold,
		blockers: gate.blockers,
		limits: { max_concurrent_tasks: gate.maxLeases, max_model_cost: Number.isFinite(gate.maxCost) ? gate.maxCost : null },
		capabilities: latest.capabilities
	});
});
