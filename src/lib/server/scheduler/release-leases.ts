import { and, eq, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { placedRecords, recordsOf, type Records } from '../db/json-records';
import { builtOnce } from '../db/built-once';
import { rowsOf } from '../db/rows';
import { heldLease, releasedLease as release, type LeaseClaim } from './lease-transitions';
import { stateIn } from '../db/schema/states';

/**
 * Gives back every lease a session holds, at once: it disconnected or yielded, so its tasks should
 * move to another volunteer now rather than at their expiry. Returns the ids released.
 */
export async function releaseSessionLeases(db: Db, sessionId: string): Promise<number[]> {
	const rows = await db
		.update(tasks)
		.set(release)
		.where(and(eq(tasks.leaseSession, sessionId), stateIn(tasks.state, ['leased'])))
		.returning({ id: tasks.id });
	return rows.map((r) => r.id);
}

const inputColumns = sql.raw('input(i int, task_id bigint, lease_token uuid, volunteer_id text)');

/**
 * Gives back leases volunteers will not finish (a volunteer yielding to its owner, a claim answered too
 * late), each fenced by its token (heldLease), in one statement however many: releases arriving together
 * are committed together (volunteer-work.ts), as results and renewals are. Returns, in order, whether each
 * was released; a lease given twice in one group is released once, and the second answered false.
 */
export async function releaseLeases(db: Db, leases: LeaseClaim[]): Promise<boolean[]> {
	if (leases.length === 0) return [];
	const rows = leases.map((l, i) => ({ i, task_id: l.taskId, lease_token: l.leaseToken, volunteer_id: l.volunteerId }));
	const done = new Set(rowsOf<{ i: number }>(await releaseStatement(db, recordsOf(rows))).map((r) => Number(r.i)));
	return leases.map((_, i) => done.has(i));
}

/** releaseLeases' statement, its text built once (built-once.ts). */
const releaseStatement = builtOnce<Records>((db) =>
	db
		.update(tasks)
		.set(release)
		.from(sql`${placedRecords(inputColumns)} as input`)
		.where(heldLease({ taskId: sql`input.task_id`, leaseToken: sql`input.lease_token`, volunteerId: sql`input.volunteer_id` }))
		.returning({ i: sql`input.i` })
		.getSQL()
);

/** Gives back one lease: releaseLeases with a group of one. */
export async function releaseLease(db: Db, lease: LeaseClaim): Promise<boolean> {
	return (await releaseLeases(db, [lease]))[0];
}
