/**
 * Re-chunking a running job toward a new chunk size: its still-untouched tail of chunks is merged or
 * split, in one transaction, so measured throughput resizes the work that is left (chunk-tuner.ts).
 *
 * What may change is only the job's *pristine suffix*: the chunks from some seq s0 to the last whose
 * every replica is still exactly as createJob made it (untouchedTask). Chunks before s0 are never
 * touched, whatever their state. Claims take a job's lowest seq first, so the untouched work is nearly
 * always such a suffix; an untouched chunk stranded before a leased one just keeps its size.
 *
 * Why a suffix: a chunk is (job_id, seq); replicas share a seq, results and accepted_results are keyed
 * by it, and results are assembled in seq order at each chunk's first_input (job-status.ts). Replacing
 * seqs s0..end by new chunks numbered s0, s0+1, … over the same inputs in the same order keeps seqs
 * dense and in input order, leaves every existing result's key alone, and makes the assembled output the
 * same bytes as without re-chunking (each input is copied as the same jsonb value). total_tasks changes
 * in the same transaction, so finishJobs's "every chunk accepted" count never sees a half-done change.
 *
 * Locking: the job row FOR UPDATE SKIP LOCKED (a cancel or another re-chunk in progress: skip this time),
 * then the suffix's task rows FOR UPDATE SKIP LOCKED, so this never waits and never deadlocks (locks.ts).
 * A row a claim holds is skipped, its chunk then counts as touched, and the suffix starts after it. The
 * rows are checked untouched again once locked: a claim that committed first has leased them.
 */
import { and, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { refreshPlannerStats } from './create-job';

/**
 * A replica exactly as createJob queued it: never leased (so never checkpointed, failed or given a
 * backend class or network), of the first replica set, and no check. One definition for every question
 * "may this task still be reshaped?".
 */
export function untouchedTask(replication: number): SQL {
	return sql`(${tasks.state} = 'queued' and ${tasks.attempts} = 0 and ${tasks.failures} = 0
		and cardinality(${tasks.failedBy}) = 0 and ${tasks.checkpoint} is null and ${tasks.backendClass} is null
		and ${tasks.network} is null and not ${tasks.solo} and not ${tasks.needsEstablished}
		and not ${tasks.recheck} and not ${tasks.spotCheck} and ${tasks.replica} < ${replication})`;
}

export interface Rechunked {
	jobId: string;
	/** The first seq replaced. */
	fromSeq: number;
	/** Chunks replaced, and the chunks that took their place. */
	before: number;
	after: number;
}

/** Re-chunks `jobId`'s pristine suffix into chunks of `size` inputs; null when there was nothing (worth) changing. */
export async function rechunkJob(db: Db, jobId: string, size: number): Promise<Rechunked | null> {
	const done = await db.transaction(async (tx) => {
		const [job] = await tx
			.select({ replication: jobs.replication, totalInputs: jobs.totalInputs, totalTasks: jobs.totalTasks })
			.from(jobs)
			.where(and(eq(jobs.id, jobId), inArray(jobs.status, ['queued', 'running'])))
			.for('update', { skipLocked: true });
		if (!job) return null;
		const suffix = await pristineSuffix(tx, jobId, job);
		if (!suffix) return null;
		const before = job.totalTasks - suffix.seq;
		const after = Math.ceil((job.totalInputs - suffix.firstInput) / size);
		if (after === before) return null;
		await replaceChunks(tx, jobId, { ...job, ...suffix, size });
		await tx
			.update(jobs)
			.set({ totalTasks: suffix.seq + after })
			.where(eq(jobs.id, jobId));
		return { jobId, fromSeq: suffix.seq, before, after, added: (after - before) * job.replication };
	});
	if (!done) return null;
	await refreshPlannerStats(db, done.added);
	return { jobId, fromSeq: done.fromSeq, before: done.before, after: done.after };
}

type JobShape = { replication: number; totalInputs: number; totalTasks: number };

/** Where the job's untouched suffix begins (its seq and first input), its rows locked; null when it is empty. */
async function pristineSuffix(tx: Db, jobId: string, job: JobShape): Promise<{ seq: number; firstInput: number } | null> {
	const untouched = untouchedTask(job.replication);
	// The last touched chunk, found by walking tasks_job_idx down from the job's last seq: reads only the suffix.
	const [last] = await tx
		.select({ seq: sql<number | null>`max(${tasks.seq})` })
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), sql`not ${untouched}`));
	const rows = await tx
		.select({
			seq: tasks.seq,
			firstInput: tasks.firstInput,
			n: sql<number>`jsonb_array_length(${tasks.inputs})`,
			ok: sql<boolean>`${untouched}`
		})
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), gt(tasks.seq, last?.seq ?? -1)))
		.orderBy(tasks.seq)
		.for('update', { skipLocked: true });
	const bySeq = new Map<number, { firstInput: number; n: number; rows: number; ok: boolean }>();
	for (const r of rows) {
		const c = bySeq.get(r.seq) ?? { firstInput: r.firstInput, n: Number(r.n), rows: 0, ok: true };
		bySeq.set(r.seq, { ...c, rows: c.rows + 1, ok: c.ok && r.ok && r.firstInput === c.firstInput });
	}
	// Walk back from the last chunk while each chunk is whole (every replica locked here) and untouched, and abuts the next.
	let start: { seq: number; firstInput: number } | null = null;
	let end = job.totalInputs;
	for (let seq = job.totalTasks - 1; seq >= 0; seq--) {
		const c = bySeq.get(seq);
		if (!c || !c.ok || c.rows !== job.replication || c.firstInput + c.n !== end) break;
		start = { seq, firstInput: c.firstInput };
		end = c.firstInput;
	}
	return start;
}

/**
 * Deletes the suffix's replicas and inserts its inputs again as chunks of `size`, each with the job's
 * replicas, numbered from the suffix's first seq. One statement: the inputs never leave the database,
 * and jsonb_agg in input order rebuilds each chunk from the very values it held.
 */
async function replaceChunks(tx: Db, jobId: string, s: JobShape & { seq: number; firstInput: number; size: number }) {
	const rows = rowsOf<{ deleted: number; inserted: number }>(
		await tx.execute(sql`
			with old as (
				delete from tasks
				where job_id = ${jobId} and seq >= ${s.seq} and ${untouchedTask(s.replication)}
				returning replica, first_input, inputs, task_type, model_id, priority
			), item as (
				select o.first_input + e.ord - 1 as idx, e.value
				from old o cross join lateral jsonb_array_elements(o.inputs) with ordinality as e(value, ord)
				where o.replica = 0
			), chunk as (
				select ${s.seq} + (idx - ${s.firstInput}) / ${s.size} as seq, min(idx) as first_input, jsonb_agg(value order by idx) as inputs
				from item group by 1
			), kind as (
				select task_type, model_id, priority from old limit 1
			), added as (
				insert into tasks (job_id, seq, replica, first_input, inputs, task_type, model_id, priority)
				select ${jobId}::uuid, c.seq, r.replica, c.first_input, c.inputs, k.task_type, k.model_id, k.priority
				from chunk c cross join kind k cross join generate_series(0, ${s.replication} - 1) as r(replica)
				returning id
			)
			select (select count(*) from old)::int as deleted, (select count(*) from added)::int as inserted`)
	);
	const expected = (s.totalTasks - s.seq) * s.replication;
	// Every row of the suffix was locked and checked above; anything else means a rule here is wrong: roll back.
	if (Number(rows[0]?.deleted) !== expected)
		throw new Error(`re-chunking job ${jobId} deleted ${rows[0]?.deleted} replicas, expected ${expected}`);
}
