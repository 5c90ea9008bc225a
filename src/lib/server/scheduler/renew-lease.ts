import { sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { leaseExpiry } from './lease-deadline';
import { heldLease, type LeaseClaim } from './lease-transitions';
import { placedRecords, recordsOf, type Records } from '../db/json-records';
import { builtOnce } from '../db/built-once';

export interface Renewal extends LeaseClaim {
	/** Inputs of the lease the holder reports done. */
	done: number;
}

/** Inputs the current lease was given (a resumed replica's checkpoint excluded). */
const leaseInputs = sql`jsonb_array_length(${tasks.inputs}) - coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`;

/**
 * One input's share of the lease's lifetime: how long a lease may go on without progress (a model to
 * load, a long generation, a lease waiting in the volunteer's reserve) and still be renewed.
 */
const stallAllowance = sql`(${tasks.deadlineAt} - ${tasks.leasedAt}) / greatest(${leaseInputs}, 1)`;

const inputColumns = sql.raw('input(i int, task_id bigint, lease_token uuid, volunteer_id text, done int)');

/**
 * Progress renews a lease: its expiry moves out by `leaseMs` from now, never past its deadline
 * (lease-deadline.ts). Only a renewal that shows progress (`done` grew, within the lease's inputs)
 * renews freely; one that shows none renews only within one input's share of the lifetime since the
 * last progress. So a holder that stops computing loses the lease like one that went silent, and none
 * keeps it past its deadline.
 *
 * A group of renewals (renewals arriving together, group-commit.ts) is one statement: at thousands of
 * volunteers, one round trip and one commit per renewal would cost PostgreSQL more than the work it
 * leases. Each comes back, in order, with its lease's expiry (unchanged when not renewed), or null when
 * the lease is not that volunteer's any more (the fence, heldLease).
 *
 * The group passes over the rows another transaction holds (a result being settled locks its chunk's
 * replicas in its own order, and a group waiting on one of them while holding the others deadlocked with
 * it: bench/dispatch busy, PostgreSQL's log), and renews those afterwards one statement each: a statement
 * that locks one row waits for nothing while holding another, so no cycle can form.
 */
export async function renewLeases(db: Db, rs: Renewal[], leaseMs: number): Promise<(Date | null)[]> {
	const { until, held } = await renewStatement(db, [...rs.entries()], leaseMs, true);
	for (const i of held) until.set(i, (await renewStatement(db, [[i, rs[i]]], leaseMs, false)).until.get(i) ?? null);
	return rs.map((_, i) => until.get(i) ?? null);
}

const fence = heldLease({ taskId: sql`input.task_id`, leaseToken: sql`input.lease_token`, volunteerId: sql`input.volunteer_id` });
const progressed = sql`input.done > ${tasks.progress} and input.done <= ${leaseInputs}`;
const waiting = sql`input.done = ${tasks.progress} and now() < coalesce(${tasks.progressAt}, ${tasks.leasedAt}) + ${stallAllowance}`;

/**
 * The renewal statement, its text built once (built-once.ts) in two forms: passing over the rows another transaction
 * holds (naming them in `held`) or waiting for them. The final select reads tasks as they were before the update (one
 * snapshot): a lease not renewed keeps that expiry. `free` is read twice, so it is run once, and so is its locking.
 */
const renewal = (skipHeld: boolean) =>
	builtOnce<Records & { leaseMs: number }>(
		() => sql`
			with input as ${placedRecords(inputColumns)}, free as (
				select ${tasks.id} as id from ${tasks} where ${tasks.id} in (select task_id from input)
				for update ${skipHeld ? sql`skip locked` : sql``}
			), renewed as (
				update tasks set lease_expires_at = ${leaseExpiry(sql`${sql.placeholder('leaseMs')}::float8`)},
					progress = greatest(${tasks.progress}, input.done),
					progress_at = case when ${progressed} then now() else ${tasks.progressAt} end
				from input where ${fence} and ${tasks.id} in (select id from free) and ((${progressed}) or (${waiting}))
				returning tasks.id, tasks.lease_token, tasks.lease_expires_at
			)
			select input.i, coalesce(renewed.lease_expires_at, ${tasks.leaseExpiresAt}) as until,
				${tasks.id} is not null and ${tasks.id} not in (select id from free) as held
			from input
			left join renewed on renewed.id = input.task_id and renewed.lease_token = input.lease_token
			left join tasks on ${fence}`
	);
const renewSkipping = renewal(true);
const renewWaiting = renewal(false);

/** Renews `rs` (each with its place in the caller's group) in one statement; with `skipHeld`, as renewal says. */
async function renewStatement(db: Db, rs: [number, Renewal][], leaseMs: number, skipHeld: boolean) {
	const rows = rs.map(([i, r]) => ({ i, task_id: r.taskId, lease_token: r.leaseToken, volunteer_id: r.volunteerId, done: r.done }));
	const out = rowsOf<{ i: number; until: Date | string | null; held: boolean }>(
		await (skipHeld ? renewSkipping : renewWaiting)(db, { ...recordsOf(rows), leaseMs })
	);
	return {
		until: new Map(out.map((r) => [Number(r.i), r.until === null ? null : new Date(r.until)])),
		held: out.filter((r) => r.held).map((r) => Number(r.i))
	};
}

/** One renewal: renewLeases with a group of one. */
export async function renewLease(db: Db, r: Renewal, leaseMs: number): Promise<Date | null> {
	return (await renewLeases(db, [r], leaseMs))[0];
}
