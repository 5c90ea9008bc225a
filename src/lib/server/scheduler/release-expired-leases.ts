import { and, lt, or, sql, type SQL } from 'drizzle-orm';
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

/** Why a lease ended uncounted (db/reach.ts and holderHubWentQuiet say when). */
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
 * The reaper: leases past their expiry end as failed attempts (the holder went silent), except those
 * granted before `uncountedBefore` (epoch ms; Infinity: all, -Infinity: none) and those whose holder's
 * hub process went quiet (holderHubWentQuiet, with sessions stale past `staleSessionMs`), which go back to
 * the queue uncounted: the hub, not their holder, may be why they were not renewed (db/reach.ts), and a
 * database outage or a hub crash must not make tasks die.
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
	uncountedBefore = -Infinity,
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
	const grantedBefore = uncountedBefore === -Infinity ? undefined : lt(tasks.leasedAt, new Date(uncountedBefore));
	const quiet = staleSessionMs === Infinity ? undefined : holderHubWentQuiet(staleSessionMs);
	const uncounted =
		grantedBefore === undefined && quiet === undefined
			? []
			: await release(
					{ ...releasedLease, lastError: EXPIRED_UNREACHED },
					uncountedBefore === Infinity ? undefined : or(grantedBefore, quiet)
				);
	const counted =
		uncountedBefore === Infinity ? [] : await release(failedAttempt(policy, 'lease expired: the volunteer went silent', 'expired'));
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
