/**
 * The seed's node endpoints, kept for its users and for agents that are not browsers:
 * POST /nodes/register, POST /nodes/{id}/heartbeat, GET /nodes/{id}/health/detailed.
 *
 * A registration answers with a `token` (the node's signed identity): heartbeats must carry it as
 * `Authorization: Bearer <token>` (or the hub's API token), so nobody can report for a node they did
 * not register; registering a taken id again needs it too. The hub scores a heartbeat itself with the
 * same readiness function as for browsers (lease-gate.ts) and reports its own `ready_for_ai`.
 */
import type { Hub } from '../hub';
import { ApiError } from './api';
import { tokensMatch } from '../auth/api-token';
import { bearerOf } from '../auth/authenticate';
import type { NodeHeartbeat } from '../../protocol/seed-nodes';
import type { Capabilities, Readiness } from '../../protocol/volunteer';
import type { HeartbeatAnswer, NodeDetail, NodeView } from '../../protocol/rest/nodes';
import type { LeaseGate } from '../../readiness/lease-gate';
import { DEFAULT_SIGNALS_CONFIG } from '../../readiness/score';

/** The node's own token, or the hub's API token. */
export function requireNodeToken(hub: Hub, request: Request, nodeId: string) {
	const given = bearerOf(request);
	if (given && (tokensMatch(given, hub.apiToken) || tokensMatch(given, hub.identities.issueFor(nodeId)))) return;
	throw new ApiError(401, `send the token POST /nodes/register gave for "${nodeId}" as Authorization: Bearer <token>`);
}

/** The seed's heartbeat as the readiness a browser reports, so one scoring function judges both. */
export function heartbeatReadiness(h: NodeHeartbeat): Readiness {
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

/** `GET /nodes/{id}/health/detailed`: the node's list entry, why it is (not) ready, and what its tier allows. */
export function nodeDetailView(view: NodeView, threshold: number, gate: LeaseGate, capabilities: Capabilities): NodeDetail {
	return {
		...view,
		readiness_threshold: threshold,
		blockers: gate.blockers,
		limits: { max_concurrent_tasks: gate.maxLeases, max_model_cost: Number.isFinite(gate.maxCost) ? gate.maxCost : null },
		capabilities
	};
}

export const heartbeatView = (nodeId: string, gate: LeaseGate): HeartbeatAnswer => ({
	node_id: nodeId,
	readiness_score: gate.score,
	ready_for_ai: gate.open,
	band: gate.band,
	blockers: gate.blockers
});
