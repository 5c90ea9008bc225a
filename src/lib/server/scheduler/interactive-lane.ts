/**
 * The interactive lane: synchronous requests (the `/v1` endpoints) queued at PRIORITIES.interactive go
 * ahead of every batch job, and the volunteers that can take one soonest get it at once.
 *
 * A volunteer busy with batch work already holds its reserve lease (RESERVE_LEASES), and the claim's
 * session cap would refuse it more; so a claim on the lane may take one more lease than the cap, of
 * interactive work only, which the volunteer starts at once beside its running task. The extra lease can
 * only ever be interactive, so no volunteer can use the lane to hoard batch work.
 *
 * The hub process a target volunteer is connected to makes that claim for it and pushes the lease
 * (realtime/lane-offers.ts), so the request waits for no nudge and no request back; the request's job is
 * stored by that same claim (claim-rider.ts), so no other claim takes it first. A target it cannot offer to
 * (connected to another hub process, or not yet asked for work) is nudged and asks on the lane. However a
 * volunteer gets an interactive task, its lease says so (TaskLease.lane) and it starts the task at once.
 */
import { and, asc, eq, gt, gte, ne, sql, type SQL } from 'drizzle-orm';
import { tasks, volunteerSessions } from '../db/schema';
import type { Db } from '../db';
import { PRIORITIES, type PriorityName } from '../../protocol/jobs';
import type { Notifier } from '../notifier';
import type { TaskType } from '../../protocol/models';
import { REST_HUB } from '../volunteers/rest-nodes';
import { stateIn } from '../db/schema/states';

export type Lane = 'interactive';

/** Leases a session may hold on the lane beyond its cap: one interactive task waiting for its running task to end. */
export const LANE_SLOTS = 1;

/**
 * Sessions nudged per interactive job: the most likely taker, and one more in case it is slow to ask or
 * just left. Everyone else learns of the job at its next request or poll, as with batch work.
 */
const LANE_NUDGES = 2;

/** Below every priority a task can have: what a claim off the lane takes at least. */
const ANY_PRIORITY = -2_147_483_648;

/** The lowest priority a claim takes: on the lane, interactive tasks only; off it, any. */
export function lowestPriority(lane: Lane | undefined): number {
	return lane ? PRIORITIES.interactive : ANY_PRIORITY;
}

/**
 * The claim filter of the lane (`lowest`: the claimant's lowestPriority; every claim applies it through
 * runnableHere). A comparison rather than "no lane, or interactive": PostgreSQL guesses an OR on a
 * claimant's column to keep 1 task in 200, which tipped the claim off its ordered walk (find-claimable.ts).
 */
export function inLane(lowest: SQL): SQL {
	return gte(tasks.priority, lowest);
}

/**
 * The sessions to tell of a newly queued interactive job of `taskType`: ready ones on a Socket.IO hub
 * that declared the task type and whose hub touched them within `staleMs` (a dead hub's sessions stay
 * until their leases end: volunteers/sessions.ts), those holding the fewest live leases first (an idle one takes it with its
 * next ordinary request; a busy one asks on the lane). Empty: nobody could take it now, which a /v1
 * request answers with a 503. An estimate from declared capabilities: the claim still decides who gets
 * the task.
 */
export async function laneTargets(db: Db, taskType: TaskType, staleMs: number, limit = LANE_NUDGES): Promise<string[]> {
	const held = db
		.select({ session: tasks.leaseSession, n: sql<number>`count(*)`.as('n') })
		.from(tasks)
		.where(stateIn(tasks.state, ['leased']))
		.groupBy(tasks.leaseSession)
		.as('held');
	const rows = await db
		.select({ id: volunteerSessions.id })
		.from(volunteerSessions)
		.leftJoin(held, eq(held.session, volunteerSessions.id))
		.where(
			and(
				eq(volunteerSessions.readyForAi, true),
				ne(volunteerSessions.hubId, REST_HUB),
				gt(volunteerSessions.lastSeenAt, sql`now() - ${staleMs} * interval '1 millisecond'`),
				sql`${volunteerSessions.capabilities} -> 'taskTypes' @> ${JSON.stringify([taskType])}::jsonb`
			)
		)
		.orderBy(asc(sql`coalesce(${held.n}, 0)`), asc(volunteerSessions.connectedAt))
		.limit(limit);
	return rows.map((r) => r.id);
}

/**
 * The sessions to offer a newly queued interactive job of `taskType` to: those connected to this hub process
 * that could take it now, read from memory (the notifier's laneReady), and only when there are none, the
 * laneTargets of every hub process, read from the database. A round trip fewer before the volunteer starts
 * (with PostgreSQL 1 ms away, an embedding's volunteer started 2-6 ms sooner, BENCHMARKS.md), and the ones
 * here are the ones this process can offer to at once. Empty: nobody could take it now.
 */
export async function laneTakers(db: Db, notify: Notifier, taskType: TaskType, staleMs: number): Promise<string[]> {
	const here = notify.laneReady(taskType, LANE_NUDGES);
	return here.length > 0 ? here : laneTargets(db, taskType, staleMs);
}

/**
 * Tells volunteers of a newly queued job: an interactive one at once to its laneTakers (`targets`, when
 * the caller looked them up already; sessions stale past `staleMs` are not), any other (of `tasks` tasks,
 * when known) to about as many volunteers waiting for work, in the throttled nudge. Every way into the
 * queue calls this, so the lane cannot be skipped by one of them.
 */
export async function announceJob(
	db: Db,
	notify: Notifier,
	job: { priority: PriorityName; taskType: TaskType; tasks?: number },
	staleMs: number,
	targets?: string[]
) {
	if (job.priority === 'interactive') notify.laneWork(targets ?? (await laneTakers(db, notify, job.taskType, staleMs)), job.taskType);
	else notify.workAvailable(job.tasks, job.taskType);
}
