import { and, eq, gt, lt, notExists, sql } from 'drizzle-orm';
import { tasks, volunteerSessions, volunteers } from '../db/schema';
import type { Db } from '../db';
import type { Capabilities, Readiness, VolunteerMode } from '../../protocol/volunteer';
import type { VolunteerCredit } from '../../protocol/events';
import { placedRecords, recordsOf, type Records } from '../db/json-records';
import { builtOnce } from '../db/built-once';
import { rowsOf } from '../db/rows';
import { stateIn } from '../db/schema/states';

export interface NewSession {
	id: string;
	volunteerId: string;
	hubId: string;
	capabilities: Capabilities;
	mode: VolunteerMode;
	readiness: Readiness;
	readyForAi: boolean;
	/** The network the connection came from (networkOf): replicas and lease caps are counted per network. */
	network?: string;
}

/** Records a connection, creating the volunteer on its first visit; returns the credit it holds. */
export async function openSession(db: Db, s: NewSession): Promise<VolunteerCredit> {
	const [credit] = await db
		.insert(volunteers)
		.values({ id: s.volunteerId })
		.onConflictDoUpdate({ target: volunteers.id, set: { lastSeenAt: sql`now()` } })
		.returning({ tasksDone: volunteers.tasksDone, inputsDone: volunteers.inputsDone });
	await db.insert(volunteerSessions).values(s);
	return credit;
}

/** The connection ended (or its hub found it gone). */
export async function closeSession(db: Db, sessionId: string): Promise<void> {
	await db.delete(volunteerSessions).where(eq(volunteerSessions.id, sessionId));
}

/** A status report or heartbeat: the session is alive, and this is its latest state. */
export interface SessionStatus {
	sessionId: string;
	mode: VolunteerMode;
	readiness: Readiness;
	/** The hub's readiness gate for it (lease-gate.ts). */
	readyForAi: boolean;
}

/**
 * Status reports arriving together (group-commit.ts), in one statement: every volunteer reports every
 * 10 s, so at thousands of volunteers one round trip and one commit each would be hundreds a second. Of
 * two reports of one session in a group, the later is kept.
 */
export async function updateSessions(db: Db, reports: SessionStatus[]): Promise<void> {
	const latest = new Map(reports.map((r) => [r.sessionId, r]));
	const rows = [...latest.values()].map((r) => ({ id: r.sessionId, mode: r.mode, readiness: r.readiness, ready_for_ai: r.readyForAi }));
	await updateStatement(db, recordsOf(rows));
}

/** updateSessions' statement, its text built once (built-once.ts). */
const updateStatement = builtOnce<Records>(
	() => sql`update ${volunteerSessions}
		set mode = input.mode, readiness = input.readiness, ready_for_ai = input.ready_for_ai, last_seen_at = now()
		from ${placedRecords(sql`input(id text, mode text, readiness jsonb, ready_for_ai boolean)`)} as input
		where ${volunteerSessions.id} = input.id`
);

/** Tasks done since the last count, and the latest throughput, of one session. */
export interface SessionCount {
	sessionId: string;
	tasks: number;
	throughput: number;
}

/**
 * Adds tasks done and sets the latest throughput of many sessions, in one statement (session-counters.ts),
 * passing over the rows another statement holds. Returns the sessions passed over (their counts are not
 * written; a session gone meanwhile is neither written nor returned).
 *
 * Why not wait for them: a status report's group locks its sessions' rows in its own order, and this
 * statement, across every session that finished a task in the last half second, locked them in another. At
 * 5,000 busy volunteers the two deadlocked (bench/dispatch busy: PostgreSQL's log), each deadlock a second
 * of both waiting with everything queued behind them, and status groups averaged 10 ms.
 */
export async function countSessionTasks(db: Db, counts: SessionCount[]): Promise<string[]> {
	if (counts.length === 0) return [];
	const rows = counts.map((c) => ({ id: c.sessionId, tasks: c.tasks, throughput: c.throughput }));
	const [{ held }] = rowsOf<{ held: string[] | null }>(await countStatement(db, recordsOf(rows)));
	return held ?? [];
}

/** countSessionTasks' statement, its text built once (built-once.ts). */
const countStatement = builtOnce<Records>(
	() => sql`with input as ${placedRecords(sql`input(id text, tasks int, throughput float8)`)}, free as (
			select ${volunteerSessions.id} as id from ${volunteerSessions}
			where ${volunteerSessions.id} in (select id from input) for update skip locked
		), written as (
			update ${volunteerSessions}
			set tasks_done = ${volunteerSessions.tasksDone} + input.tasks, throughput = input.throughput, last_seen_at = now()
			from input where ${volunteerSessions.id} = input.id and ${volunteerSessions.id} in (select id from free)
		)
		select array(select ${volunteerSessions.id} from ${volunteerSessions}
			where ${volunteerSessions.id} in (select id from input) and ${volunteerSessions.id} not in (select id from free)) as held`
);

/**
 * A session not touched for this many heartbeats is stale: its hub process (which touches all of its
 * sessions every heartbeat, touchHubSessions) has died or lost its database, or its REST node went silent.
 */
const STALE_HEARTBEATS = 3;

/** How old a session's last sign of life may be before it counts as stale (STALE_HEARTBEATS). */
export function sessionStaleMs(heartbeatMs: number): number {
	return heartbeatMs * STALE_HEARTBEATS;
}

/** Sessions whose heartbeat is fresher than `staleMs`: the connected nodes, across every hub process. */
export async function liveSessions(db: Db, staleMs: number) {
	return db
		.select()
		.from(volunteerSessions)
		.where(gt(volunteerSessions.lastSeenAt, sql`now() - ${staleMs} * interval '1 millisecond'`))
		.orderBy(volunteerSessions.connectedAt);
}

/**
 * Drops sessions left behind by a hub process that died (or a REST node that went silent), once none of
 * their leases is live: each ends by expiry, and the sweeper reads its session then to tell whose the
 * silence was (release-expired-leases.ts).
 */
export async function deleteStaleSessions(db: Db, staleMs: number): Promise<number> {
	const holding = db
		.select({ one: sql`1` })
		.from(tasks)
		.where(and(eq(tasks.leaseSession, volunteerSessions.id), stateIn(tasks.state, ['leased'])));
	const rows = await db
		.delete(volunteerSessions)
		.where(and(lt(volunteerSessions.lastSeenAt, sql`now() - ${staleMs} * interval '1 millisecond'`), notExists(holding)))
		.returning({ id: volunteerSessions.id });
	return rows.length;
}

/**
 * Marks the sessions served by one hub process as alive (its heartbeat, every `heartbeatMs`), but only those
 * that nothing else marked within the last heartbeat, and none another statement holds: a volunteer's own
 * status report, sent every heartbeat, already marks its session (updateSessions), and so does whatever holds
 * its row. A session's mark then lags its hub's life by less than two heartbeats, within the three that make it
 * stale (STALE_HEARTBEATS).
 *
 * Why: marking every session of the process in one statement took 60–470 ms at 5,000 volunteers (bench/dispatch
 * busy, pg_stat_statements), and the status reports of those sessions waited behind its row locks meanwhile.
 */
export async function touchHubSessions(db: Db, hubId: string, heartbeatMs: number): Promise<void> {
	await db.execute(sql`update ${volunteerSessions} set last_seen_at = now()
		where ${volunteerSessions.id} in (select ${volunteerSessions.id} from ${volunteerSessions}
			where ${volunteerSessions.hubId} = ${hubId} and ${volunteerSessions.lastSeenAt} < now() - ${heartbeatMs} * interval '1 millisecond'
			for update skip locked)`);
}
