import { and, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { leaseExpiry } from './lease-deadline';
import { heldLease, type LeaseClaim } from './lease-transitions';

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

/**
 * Progress renews a lease: its expiry moves out by `leaseMs` from now, never past its deadline
 * (lease-deadline.ts). Only a renewal that shows progress (`done` grew, within the lease's inputs)
 * renews freely; one that shows none renews only within one input's share of the lifetime since the
 * last progress. So a holder that stops computing loses the lease like one that went silent, and none
 * keeps it past its deadline. Returns the lease's expiry (unchanged when not renewed), or null when the
 * lease is not this volunteer's any more.
 */
export async function renewLease(db: Db, r: Renewal, leaseMs: number): Promise<Date | null> {
	const fence = heldLease(r);
	const progressed = sql`${r.done} > ${tasks.progress} and ${r.done} <= ${leaseInputs}`;
	const waiting = sql`${r.done} = ${tasks.progress} and now() < coalesce(${tasks.progressAt}, ${tasks.leasedAt}) + ${stallAllowance}`;
	const [row] = await db
		.update(tasks)
		.set({
			leaseExpiresAt: leaseExpiry(leaseMs),
			progress: sql`greatest(${tasks.progress}, ${r.done})`,
			progressAt: sql`case when ${progressed} then now() else ${tasks.progressAt} end`
		})
		.where(and(fence, sql`((${progressed}) or (${waiting}))`))
		.returning({ leaseExpiresAt: tasks.leaseExpiresAt });
	if (row) return row.leaseExpiresAt;
	const [held] = await db.select({ leaseExpiresAt: tasks.leaseExpiresAt }).from(tasks).where(fence);
	return held?.leaseExpiresAt ?? null;
}
