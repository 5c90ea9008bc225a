import { and, asc, eq, max, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { acceptedResults, jobs, models, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { largestAgreeingGroup, quorumOf } from './compare-outputs';
import { endLease } from './lease-transitions';
import { recordVerdicts } from './record-verdicts';

export interface ValidationPolicy {
	/** Numbers in two outputs agree when they differ by at most this. */
	tolerance: number;
}

export type Settlement =
	| { outcome: 'accepted'; cancelledLeases: number[]; credited: { volunteerId: string; amount: number }[] }
	| { outcome: 'waiting' | 'spawned' | 'dead' | 'already' };

type ResultRow = { taskId: number; volunteerId: string; backendClass: string; output: unknown[] };

/**
 * Decides a chunk's fate from its replicas' results (the validator). The caller holds the chunk's lock.
 *
 * Results are compared only within one backend class. When a strict majority of the job's replication
 * agree within the tolerance, the chunk is accepted: the first of them becomes the accepted result,
 * the agreeing replicas are credited and gain trust, the ones of that class that disagreed lose it,
 * and the chunk's open replicas are cancelled (a slow tail duplicate among them loses its lease). A
 * trusted volunteer's solo replica is a quorum of one when it is the chunk's only result. With no quorum and nothing still running, one
 * more replica is spawned if the results disagree, up to 2n+1; otherwise the chunk is dead.
 */
export async function validateChunk(tx: Db, jobId: string, seq: number, policy: ValidationPolicy): Promise<Settlement> {
	const [done] = await tx.select({ taskId: acceptedResults.taskId }).from(acceptedResults).where(chunk(acceptedResults, jobId, seq));
	if (done) {
		await tx.update(results).set({ verdict: 'unchecked' }).where(and(chunk(results, jobId, seq), eq(results.verdict, 'pending')));
		return { outcome: 'already' };
	}
	const [job] = await tx
		.select({ replication: jobs.replication, cost: models.cost })
		.from(jobs)
		.innerJoin(models, eq(models.id, jobs.modelId))
		.where(eq(jobs.id, jobId));
	const replicas = await tx.select({ id: tasks.id, state: tasks.state, solo: tasks.solo, inputs: tasks.inputs }).from(tasks).where(chunk(tasks, jobId, seq));
	const found = await tx
		.select({ taskId: results.taskId, volunteerId: results.volunteerId, backendClass: results.backendClass, output: results.output })
		.from(results)
		.where(and(chunk(results, jobId, seq), eq(results.verdict, 'pending')))
		.orderBy(asc(results.createdAt), asc(results.taskId));

	const soloIds = new Set(replicas.filter((r) => r.solo).map((r) => r.id));
	const quorum = found.length === 1 && soloIds.has(found[0].taskId) ? 1 : quorumOf(job.replication);
	for (const [, inClass] of groupBy(found, (r) => r.backendClass)) {
		const agreeing = largestAgreeingGroup(inClass, policy.tolerance);
		if (agreeing.length >= quorum) return accept(tx, jobId, seq, agreeing, found, job.cost * replicas[0].inputs.length);
	}
	if (replicas.some((r) => r.state === 'queued' || r.state === 'leased')) return { outcome: 'waiting' };
	if (found.length > 0 && replicas.length < 2 * job.replication + 1) {
		await spawnReplica(tx, jobId, seq);
		return { outcome: 'spawned' };
	}
	await tx
		.update(tasks)
		.set({ lastError: sql`coalesce(${tasks.lastError}, ${noQuorum(found.length, replicas.length)})` })
		.where(chunk(tasks, jobId, seq));
	return { outcome: 'dead' };
}

function noQuorum(results: number, replicas: number) {
	return `no quorum: ${results} result(s) from ${replicas} replica(s) did not agree`;
}

async function accept(tx: Db, jobId: string, seq: number, agreeing: ResultRow[], all: ResultRow[], amount: number): Promise<Settlement> {
	await tx.insert(acceptedResults).values({ jobId, seq, taskId: agreeing[0].taskId });
	// Leased and queued replicas are cancelled apart, to know which volunteers to tell to stop.
	const cancel = { ...endLease, state: 'cancelled' as const, finishedAt: sql`now()` };
	const stopped = await tx
		.update(tasks)
		.set(cancel)
		.where(and(chunk(tasks, jobId, seq), eq(tasks.state, 'leased')))
		.returning({ id: tasks.id });
	await tx.update(tasks).set(cancel).where(and(chunk(tasks, jobId, seq), eq(tasks.state, 'queued')));
	const credited = await recordVerdicts(tx, jobId, agreeing, all, amount);
	return { outcome: 'accepted', cancelledLeases: stopped.map((c) => c.id), credited };
}

/** One more replica of a chunk whose results disagree: a fresh opinion from another volunteer. */
async function spawnReplica(tx: Db, jobId: string, seq: number) {
	const [template] = await tx.select().from(tasks).where(chunk(tasks, jobId, seq)).limit(1);
	const [{ top }] = await tx.select({ top: max(tasks.replica) }).from(tasks).where(chunk(tasks, jobId, seq));
	await tx.insert(tasks).values({
		jobId,
		seq,
		replica: (top ?? 0) + 1,
		firstInput: template.firstInput,
		inputs: template.inputs,
		taskType: template.taskType,
		modelId: template.modelId,
		priority: template.priority
	});
}

function chunk(table: { jobId: PgColumn; seq: PgColumn }, jobId: string, seq: number) {
	return and(eq(table.jobId, jobId), eq(table.seq, seq));
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
	const out = new Map<string, T[]>();
	for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
	return out;
}
