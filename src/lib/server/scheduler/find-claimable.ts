import { and, asc, desc, eq, gte, inArray, isNotNull, lte, ne, notInArray, or, sql, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { jobs, models, results, tasks } from '../db/schema';
import type { Db } from '../db';
import type { TaskType } from '../../protocol/models';
import type { BackendClass } from '../../protocol/volunteer';
import { failedBy } from './lease-transitions';

export interface ClaimFilter {
	volunteerId: string;
	backendClass: BackendClass;
	taskTypes: TaskType[];
	excludeModels?: string[];
	/** Only models costing less than this (task weight by readiness band); absent: any. */
	maxCost?: number;
	limit: number;
}

const sibling = alias(tasks, 'sibling');

/**
 * `NOT EXISTS` for the claim, written as a scalar subquery on purpose: PostgreSQL turns NOT EXISTS into
 * an anti join, and for these it then scanned every task and result once per claim (4 ms at 30,000
 * tasks, growing with the table). A scalar subquery stays a per-row probe of the (job_id, seq) indexes,
 * run only for the few rows the claim walks before its LIMIT.
 */
function none(subquery: SQLWrapper) {
	return sql`(${subquery} limit 1) is null`;
}

/**
 * Queued replicas this volunteer may take, locked for the caller's transaction, in claim order:
 * priority, then the lowest chunk number across jobs (so jobs of one priority take turns and a huge
 * job cannot starve a small one), then age.
 *
 * Locking: FOR UPDATE OF tasks SKIP LOCKED. Rows another claim holds are skipped, never waited for or
 * taken twice; rows we lock but do not lease are unlocked at commit.
 *
 * A replica is excluded when its volunteer already holds or computed a sibling (replicas go to
 * distinct volunteers), when a sibling was leased or computed by another backend class (only
 * results of one class are compared), or while a trusted volunteer holds the chunk alone (solo).
 * A checkpoint (checkpoint-task.ts) counts as computed: its replica resumes only on its own backend
 * class, and its contributors take no sibling (they could otherwise be their own quorum), though they
 * may resume the replica they started. A volunteer that reported a failure of the chunk is not given it again.
 */
export function findClaimable(tx: Db, f: ClaimFilter) {
	const mine = or(
		eq(sibling.leaseVolunteer, f.volunteerId),
		and(inArray(sibling.state, ['leased', 'done']), ne(sibling.backendClass, f.backendClass)),
		// Only while the solo lease lives: once its result is in, a split (rare) is settled as usual.
		and(eq(sibling.solo, true), eq(sibling.state, 'leased')),
		and(isNotNull(sibling.checkpoint), ne(sibling.backendClass, f.backendClass)),
		and(ne(sibling.id, tasks.id), sql`${sibling.checkpointBy} @> ${JSON.stringify([f.volunteerId])}::jsonb`),
		// It reported a failure of this replica or a sibling: it is not given the chunk again (lease-transitions.ts).
		failedBy(sibling, f.volunteerId)
	);
	const tooHeavy =
		f.maxCost === undefined || f.maxCost === Infinity
			? undefined
			: tx.select({ id: models.id }).from(models).where(gte(models.cost, f.maxCost));
	const conflictingSibling = tx
		.select({ one: sql`1` })
		.from(sibling)
		.where(and(eq(sibling.jobId, tasks.jobId), eq(sibling.seq, tasks.seq), mine));
	const alreadyComputed = tx
		.select({ one: sql`1` })
		.from(results)
		.where(and(eq(results.jobId, tasks.jobId), eq(results.seq, tasks.seq), eq(results.volunteerId, f.volunteerId)));
	return tx
		.select({ id: tasks.id, jobId: tasks.jobId, seq: tasks.seq, replication: jobs.replication })
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.where(
			and(
				eq(tasks.state, 'queued'),
				lte(tasks.availableAt, sql`now()`),
				inArray(tasks.taskType, f.taskTypes),
				f.excludeModels?.length ? notInArray(tasks.modelId, f.excludeModels) : undefined,
				tooHeavy ? notInArray(tasks.modelId, tooHeavy) : undefined,
				none(conflictingSibling),
				none(alreadyComputed)
			)
		)
		.orderBy(desc(tasks.priority), asc(tasks.seq), asc(tasks.id))
		.limit(f.limit)
		.for('update', { of: tasks, skipLocked: true });
}
