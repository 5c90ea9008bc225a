import { and, asc, desc, eq, gte, inArray, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { jobs, models, tasks } from '../db/schema';
import type { Db } from '../db';
import type { TaskType } from '../../protocol/models';
import { mayTakeReplica, type Claimant } from './claim-rules';
import { inLane, type Lane } from './interactive-lane';

/** What the volunteer can and may run: the one filter every claim (queued, tail duplicate, known-answer check) applies. */
export interface RunnableFilter {
	taskTypes: TaskType[];
	/** Models it cannot run (WebLLM beyond its GPU) or its owner refuses (owner-limits.ts). */
	excludeModels?: string[];
	/** Only models costing less than this (task weight by readiness band); absent: any. */
	maxCost?: number;
	/** Only work of this lane (interactive-lane.ts); absent: any, highest priority first. */
	lane?: Lane;
}

export interface ClaimFilter extends Claimant, RunnableFilter {
	limit: number;
}

/**
 * Tasks of `tasks` this volunteer can run: its task types, not of an excluded model, and light enough
 * for its band. Every claim uses this one definition, so a new filter cannot be missed by one of them.
 */
export function runnableHere(tx: Db, f: RunnableFilter): SQL | undefined {
	const tooHeavy =
		f.maxCost === undefined || f.maxCost === Infinity
			? undefined
			: tx.select({ id: models.id }).from(models).where(gte(models.cost, f.maxCost));
	return and(
		inArray(tasks.taskType, f.taskTypes),
		f.excludeModels?.length ? notInArray(tasks.modelId, f.excludeModels) : undefined,
		tooHeavy ? notInArray(tasks.modelId, tooHeavy) : undefined,
		inLane(f.lane)
	);
}

/**
 * Queued replicas this volunteer may take, locked for the caller's transaction, in claim order:
 * priority, then the lowest chunk number across jobs (so jobs of one priority take turns and a huge
 * job cannot starve a small one), then age.
 *
 * Locking: FOR UPDATE OF tasks SKIP LOCKED. Rows another claim holds are skipped, never waited for or
 * taken twice; rows we lock but do not lease are unlocked at commit.
 *
 * Which replicas this volunteer may take at all is claim-rules.ts's mayTakeReplica (distinct
 * volunteers and networks, one backend class per chunk, solo, checkpoint and established-only rules).
 */
export function findClaimable(tx: Db, f: ClaimFilter) {
	return tx
		.select({ id: tasks.id, jobId: tasks.jobId, seq: tasks.seq, replication: jobs.replication })
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.where(
			and(
				eq(tasks.state, 'queued'),
				// A known-answer check is only ever leased whole, to the volunteer it was drawn for (spot-checks.ts).
				eq(tasks.spotCheck, false),
				lte(tasks.availableAt, sql`now()`),
				runnableHere(tx, f),
				mayTakeReplica(tx, { jobId: tasks.jobId, seq: tasks.seq, id: tasks.id, needsEstablished: tasks.needsEstablished }, f)
			)
		)
		.orderBy(desc(tasks.priority), asc(tasks.seq), asc(tasks.id))
		.limit(f.limit)
		.for('update', { of: tasks, skipLocked: true });
}
