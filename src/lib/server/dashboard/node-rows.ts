import { and, eq, gt, sql } from 'drizzle-orm';
import { tasks, volunteerSessions, volunteers } from '../db/schema';
import type { Db } from '../db';
import { bandOf } from '../../readiness/score';
import type { NodeRow } from '../../protocol/dashboard';
import { stateIn } from '../db/schema/states';

type Session = typeof volunteerSessions.$inferSelect & { name: string | null };

/** Connected sessions (fresh heartbeat, any hub process) with their volunteer's display name, and tasks leased per volunteer. */
export async function loadLiveNodes(db: Db, staleMs: number) {
	const [sessions, leased] = await Promise.all([
		db
			.select({ session: volunteerSessions, name: volunteers.displayName })
			.from(volunteerSessions)
			.innerJoin(volunteers, eq(volunteers.id, volunteerSessions.volunteerId))
			.where(gt(volunteerSessions.lastSeenAt, sql`now() - ${staleMs} * interval '1 millisecond'`)),
		db
			.select({ volunteerId: tasks.leaseVolunteer, n: sql<number>`count(*)::int` })
			.from(tasks)
			.where(and(stateIn(tasks.state, ['leased']), gt(tasks.leaseExpiresAt, sql`now()`)))
			.groupBy(tasks.leaseVolunteer)
	]);
	return {
		sessions: sessions.map((r) => ({ ...r.session, name: r.name })),
		leased: new Map(leased.map((r) => [r.volunteerId ?? '', r.n]))
	};
}

/** One row per volunteer (a node), from its most recently connected session; several tabs add up their work. */
export function nodeRows(sessions: Session[], leased: Map<string, number>): NodeRow[] {
	const byVolunteer = new Map<string, Session[]>();
	for (const s of sessions) byVolunteer.set(s.volunteerId, [...(byVolunteer.get(s.volunteerId) ?? []), s]);
	return [...byVolunteer].map(([id, rows]) => {
		const latest = rows.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
		const throughputs = rows.map((r) => r.throughput).filter((t): t is number => t !== null);
		return {
			id,
			name: latest.name,
			score: latest.readiness.score,
			band: bandOf(latest.readiness.score),
			// The hub's own verdict (lease-gate.ts), as /nodes/ai-readiness gives it.
			ready: latest.readyForAi,
			mode: latest.mode,
			backend: latest.capabilities.backend,
			agent: latest.capabilities.agent,
			tasks: leased.get(id) ?? 0,
			throughput: throughputs.length ? throughputs.reduce((a, b) => a + b, 0) : null,
			tasksDone: rows.reduce((n, r) => n + r.tasksDone, 0),
			connections: rows.length,
			connectedAt: latest.connectedAt.getTime()
		};
	});
}
