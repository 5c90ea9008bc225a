import type { volunteerSessions } from '../db/schema';

type SessionRow = typeof volunteerSessions.$inferSelect;

/**
 * Live sessions as the seed's node list: one entry per volunteer (a node), from its most recently
 * connected session; a volunteer with several tabs open shows how many in `connections`.
 */
export function nodeViews(sessions: SessionRow[]) {
	const byVolunteer = new Map<string, SessionRow[]>();
	for (const s of sessions) byVolunteer.set(s.volunteerId, [...(byVolunteer.get(s.volunteerId) ?? []), s]);
	return [...byVolunteer.entries()].map(([nodeId, rows]) => {
		const latest = rows.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
		return {
			node_id: nodeId,
			readiness_score: latest.readiness.score,
			ready_for_ai: latest.mode !== 'paused' && latest.readiness.ready,
			mode: latest.mode,
			backend: latest.capabilities.backend,
			agent: latest.capabilities.agent,
			cores: latest.capabilities.cores,
			device_memory_gb: latest.capabilities.deviceMemory,
			webgpu: latest.capabilities.webgpu ? { vendor: latest.capabilities.webgpu.vendor, architecture: latest.capabilities.webgpu.architecture } : null,
			connections: rows.length,
			tasks_done: rows.reduce((n, r) => n + r.tasksDone, 0),
			throughput: latest.throughput,
			connected_at: latest.connectedAt.toISOString(),
			last_seen_at: latest.lastSeenAt.toISOString()
		};
	});
}
