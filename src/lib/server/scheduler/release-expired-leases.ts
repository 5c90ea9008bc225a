import { and, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { tasks, volunteerSessions } from '../db/schema';
import type { Db } from '../db';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { failedAttempt, releasedLease } from './lease-transitions';
import { lockChunk, retrying } from './locks';
import { validateChunk } from './validate-chunk';
import { VolunteerTally } from './volunteer-tally';
import type { SchedulerPolicy } from './complete-task';
import { REST_HUB } from '../volunteers/rest-nodes';
import { stateIn } from '../db/schema/states';

/** Why a lease ended uncounted (Unrenewable and holderHubWentQuiet say when). */
export const EXPIRED_UNREACHED = 'lease expired while the hub was out of reach: not counted as a failure';

/**
 * The lease's session is a Socket.IO hub process's that stopped touching its sessions (stale past
 * `staleMs`, volunteers/sessions.ts): that process died or lost its database, so nobody could renew the
 * lease, whatever its volunteer did. Read by any hub process's sweeper, so a hub that survives does not
 * charge the volunteers of one that did not. A REST node's session goes stale by its own silence, which
 * is its own.
 */
export function holderHubWentQuiet(staleMs: number): SQL {
	const s = volunteerSessions;
	return sql`exists (select 1 from ${s} where ${s.id} = ${tasks.leaseSession} and ${s.hubId} <> ${REST_HUB}
		and ${s.lastSeenAt} < now() - ${staleMs} * interval '1 millisecond')`;
}

/**
 * The leases whose running out is no fault of their holders (db/reach.ts): those granted before `since`
 * (epoch ms; Infinity: every lease) and not renewed after it. A renewal sets a lease's expiry at most
 * `leaseMs` ahead, so one not renewed after `since` runs out by `since + leaseMs`; one renewed after it runs
 * out later (or at its deadline, lease-deadline.ts, within `leaseMs` of `since`: excused too, as it cannot
 * be told apart). Judged by the lease's own times, not the sweep's: a sweep however late (a busy machine, a
 * slow start) still tells a lease the crash left from one its holder let go.
 */
export interface Unrenewable {
	since: number;
	leaseMs: number;
}

/**
 * The reaper: leases past their expiry end as failed attempts (the holder went silent), except the
 * `unrenewable` ones and those whose holder's hub process went quiet (holderHubWentQuiet, with sessions
 * stale past `staleSessionMs`), which go back to the queue uncounted: the hub, not their holder, may be why
 * they were not renewed, and a database outage or a hub crash must not make tasks die.
 *
 * Safe to run in every hub process at once. The UPDATE takes only rows nobody holds (SKIP LOCKED: a
 * row being completed right now is that completion's business) and re-checks each against its latest
 * version, so of two sweepers exactly one wins a row. Chunks whose replica died are then settled one
 * by one, each under its chunk lock (locks.ts). Returns the tasks expired (their holders should stop),
 * the jobs touched (to finish any that ended) and which of the tasks went back uncounted.
 */
export async function releaseExpiredLeases(
	db: Db,
	policy: SchedulerPolicy,
	unrenewable?: Unrenewable,
	staleSessionMs = Infinity
): Promise<{ taskIds: number[]; jobIds: string[]; uncounted: number[] }> {
	const expired = (granted?: SQL) => and(stateIn(tasks.state, ['leased']), lt(tasks.leaseExpiresAt, sql`now()`), granted);
	const release = (set: PgUpdateSetSource<typeof tasks>, granted?: SQL) => {
		const rows = db.select({ id: tasks.id }).from(tasks).where(expired(granted)).for('update', { skipLocked: true });
		return db
			.update(tasks)
			.set(set)
			.where(and(sql`${tasks.id} = ANY(ARRAY(${rows}))`, expired(granted)))
			.returning({ id: tasks.id, jobId: tasks.jobId, seq: tasks.seq, state: tasks.state });
	};
	const every = unrenewable?.since === Infinity;
	const notRenewed =
		unrenewable === undefined || every
			? undefined
			: and(lt(tasks.leasedAt, new Date(unrenewable.since)), lte(tasks.leaseExpiresAt, new Date(unrenewable.since + unrenewable.leaseMs)));
	const quiet = staleSessionMs === Infinity ? undefined : holderHubWentQuiet(staleSessionMs);
	const uncounted =
		!every && notRenewed === undefined && quiet === undefined
			? []
			: await release({ ...releasedLease, lastError: EXPIRED_UNREACHED }, every ? undefined : or(notRenewed, quiet));
	const counted = every ? [] : await release(failedAttempt(policy, 'lease expired: the volunteer went silent', 'expired'));
	const rows = [...uncounted, ...counted];
	for (const r of rows.filter((r) => r.state === 'dead')) {
		await retrying(() =>
			db.transaction(async (tx) => {
				await lockChunk(tx, r.jobId, r.seq);
				const tally = new VolunteerTally();
				await validateChunk(tx, r.jobId, r.seq, policy, tally);
				await tally.apply(tx);
			})
		);
	}
	return { taskIds: rows.map((r) => r.id), jobIds: [...new Set(rows.map((r) => r.jobId))], uncounted: uncounted.map((r) => r.id) };
}
