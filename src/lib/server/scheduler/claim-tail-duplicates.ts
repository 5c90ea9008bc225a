import { and, asc, eq, inArray, ne, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { jobs, models, tasks } from '../db/schema';
import type { Db } from '../db';
import type { ClaimRequest } from './types';
import { rowsOf } from '../db/rows';
import { DEFAULT_LEASE_MAX_MS, firstExpiryMs, leaseDeadline, recentTaskMs } from './lease-deadline';
import { mayTakeReplica, type Claimant } from './claim-rules';
import { runnableHere, whoSql } from './find-claimable';
import { isOpen } from './chunk-fate';
import { stateIn } from '../db/schema/states';

const sibling = alias(tasks, 'sibling');

/**
 * The batch tail: when a volunteer is idle and a job's last chunks have been running long (3× the job's
 * recent time per task, lease-deadline.ts's recentTaskMs, and at least `tailMs`), it gets a duplicate of
 * the slowest. Both run; the validator accepts the first result (an unreplicated chunk's quorum is one)
 * and cancels the other lease.
 * Only unreplicated jobs get duplicates: a replicated chunk already has several volunteers on it. Who
 * may take one is the claim's own rule (claim-rules.ts): never the original's volunteer or network.
 *
 * Locking: the original row is taken FOR UPDATE SKIP LOCKED, so two idle volunteers never duplicate the
 * same chunk at once, and a claim never waits for a completion in progress.
 */
export async function claimTailDuplicates(tx: Db, req: ClaimRequest & Claimant, slots: number, tailMs: number) {
	const queuedInJob = tx
		.select({ one: sql`1` })
		.from(sibling)
		.where(and(eq(sibling.jobId, tasks.jobId), stateIn(sibling.state, ['queued'])));
	const alreadyDuplicated = tx
		.select({ one: sql`1` })
		.from(sibling)
		.where(and(eq(sibling.jobId, tasks.jobId), eq(sibling.seq, tasks.seq), ne(sibling.id, tasks.id), isOpen(sibling.state)));
	const slow = await tx
		.select({ id: tasks.id })
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.where(
			and(
				stateIn(tasks.state, ['leased']),
				mayTakeReplica(tx, { jobId: tasks.jobId, seq: tasks.seq }, whoSql(req)),
				eq(jobs.replication, 1),
				runnableHere(tx, whoSql(req)),
				sql`${tasks.leasedAt} < now() - greatest(${tailMs}, 3 * coalesce(${recentTaskMs(tasks.jobId)}, 0)) * interval '1 millisecond'`,
				notExists(queuedInJob),
				notExists(alreadyDuplicated)
			)
		)
		.orderBy(asc(tasks.leasedAt))
		.limit(slots)
		.for('update', { of: tasks, skipLocked: true });
	if (slow.length === 0) return [];
	const maxMs = req.leaseMaxMs ?? DEFAULT_LEASE_MAX_MS;
	const duplicates = await tx.execute(sql`
		insert into ${tasks} (job_id, seq, replica, first_input, inputs, task_type, model_id, priority, state,
			lease_token, lease_session, lease_volunteer, backend_class, network, lease_expires_at, deadline_at, progress, progress_at, leased_at, attempts)
		select o.job_id, o.seq,
			(select max(r.replica) + 1 from ${tasks} r where r.job_id = o.job_id and r.seq = o.seq),
			o.first_input, o.inputs, o.task_type, o.model_id, o.priority, 'leased',
			gen_random_uuid(), ${req.sessionId}, ${req.volunteerId}, ${req.backendClass}, ${req.network ?? null},
			now() + ${firstExpiryMs(req.leaseMs, maxMs)} * interval '1 millisecond',
			${leaseDeadline(maxMs, sql`jsonb_array_length(o.inputs)`, sql`o.job_id`)}, 0, now(), now(), 1
		from ${tasks} o where o.id in (${sql.join(
			slow.map((s) => sql`${s.id}`),
			sql`, `
		)})
		returning id`);
	return leasesOf(
		tx,
		rowsOf<{ id: number | string }>(duplicates).map((r) => Number(r.id))
	);
}

/**
 * What a lease's payload is built from, as every claim returns it: one list for a claim's lease update
 * (claim-tasks.ts) and for leasesOf. The model's cost is a subquery, so neither needs a join to models.
 */
export const leaseFields = {
	id: tasks.id,
	jobId: tasks.jobId,
	seq: tasks.seq,
	firstInput: tasks.firstInput,
	priority: tasks.priority,
	recheck: tasks.recheck,
	spotCheck: tasks.spotCheck,
	cost: sql<number>`(select ${models.cost} from ${models} where ${models.id} = ${tasks.modelId})`.mapWith(Number),
	params: jobs.params,
	replication: jobs.replication,
	jobStatus: jobs.status,
	taskType: tasks.taskType,
	modelId: tasks.modelId,
	inputs: tasks.inputs,
	checkpointed: sql<number>`coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`.mapWith(Number),
	leaseToken: tasks.leaseToken,
	leaseExpiresAt: tasks.leaseExpiresAt
};

/** Leases inserted whole (a tail duplicate, a known-answer check) as the claim returns them: the payload is the same for every lease. */
export function leasesOf(tx: Db, ids: number[]) {
	return tx.select(leaseFields).from(tasks).innerJoin(jobs, eq(jobs.id, tasks.jobId)).where(inArray(tasks.id, ids));
}
