import type { volunteerSessions } from '../db/schema';
import type { Readiness } from '../../protocol/volunteer';
import { POWER_LIMITS } from '../../readiness/power-tiers';
import type { NodeSummary, NodeView } from '../../protocol/rest/nodes';

/** The seed's power_state: plugged in or on battery at a level, and the limits of its power tier. */
function powerState(r: Readiness) {
	if (r.power === undefined) return null;
	const limits = r.tier ? POWER_LIMITS[r.tier] : null;
	return {
		plugged_in: r.power?.charging ?? null,
		battery_percent: r.power ? Math.round(r.power.level * 100) : null,
		tier: r.tier ?? null,
		max_concurrent_tasks: limits?.concurrent ?? null,
		max_cpu_percent: limits ? Math.round(limits.maxCpu * 100) : null,
		max_memory_percent: limits ? Math.round(limits.maxMemory * 100) : null
	};
}

type SessionRow = typeof volunteerSessions.$inferSelect;

/**
 * Live sessions as the seed's node list: one entry per volunteer (a node), from its most recently
 * connected session; a volunteer with several tabs open shows how many in `connections`.
 */
export function nodeViews(sessions: SessionRow[]): NodeView[] {
	const byVolunteer = new Map<string, SessionRow[]>();
	for (const s of sessions) byVolunteer.set(s.volunteerId, [...(byVolunteer.get(s.volunteerId) ?? []), s]);
	return [...byVolunteer.entries()].map(([nodeId, rows]) => {
		const latest = rows.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
		return {
			node_id: nodeId,
			readiness_score: latest.readiness.score,
			// The hub's verdict (lease-gate.ts: its threshold, the power floor, the owner's presence), not the volunteer's word.
			ready_for_ai: latest.readyForAi,
			idle_state: latest.readiness.idle
				? {
						state: latest.readiness.idle.state,
						idle_seconds: Math.round(latest.readiness.idle.seconds),
						threshold_seconds: latest.readiness.idle.thresholdSeconds,
						source: latest.readiness.idle.source
					}
				: null,
			power_state: powerState(latest.readiness),
			pressure: latest.readiness.pressure ?? null,
			band: latest.readiness.band ?? null,
			mode: latest.mode,
			backend: latest.capabilities.backend,
			agent: latest.capabilities.agent,
			cores: latest.capabilities.cores,
			device_memory_gb: latest.capabilities.deviceMemory,
			webgpu: latest.capabilities.webgpu
				? { vendor: latest.capabilities.webgpu.vendor, architecture: latest.capabilities.webgpu.architecture }
				: null,
			connections: rows.length,
			tasks_done: rows.reduce((n, r) => n + r.tasksDone, 0),
			throughput: latest.throughput,
			connected_at: latest.connectedAt.toISOString(),
			last_seen_at: latest.lastSeenAt.toISOString()
		};
	});
}

/**
 * What anyone may know about the volunteers: counts, never a machine. Per-node readiness, presence
 * (idle), battery and the agent's details tell a stranger when someone is away from their computer
 * and what it runs; they are for the admin (`nodeViews`) and for each node about itself.
 */
export function nodeSummary(sessions: SessionRow[]): NodeSummary {
	const nodes = nodeViews(sessions);
	const count = <K extends string>(key: (n: NodeView) => K) =>
		nodes.reduce<Record<string, number>>((acc, n) => ({ ...acc, [key(n)]: (acc[key(n)] ?? 0) + 1 }), {});
	return {
		nodes: nodes.length,
		ready_for_ai: nodes.filter((n) => n.ready_for_ai).length,
		connections: sessions.length,
		tasks_done: nodes.reduce((sum, n) => sum + n.tasks_done, 0),
		by_backend: count((n) => n.backend)
	};
}
