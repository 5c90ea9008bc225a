import { and, asc, eq, inArray, max, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { acceptedResults, jobs, models, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { largestAgreeingGroup, quorumOf } from './compare-outputs';
import { endLease } from './lease-transitions';
import { recordVerdicts } from './record-verdicts';
import { confirmNewcomers, type Confirmation } from './confirm-newcomers';
import { settleRecheck } from './settle-checks';
import { settleSpotCheck } from './spot-checks';
import type { TaskType } from '../../protocol/models';
import type { VolunteerTally } from './volunteer-tally';
import { isOpen } from './chunk-fate';
import type { AcceptedChunk } from './accepted-chunk';

export interface ValidationPolicy {
	/** Numbers in two outputs agree when they differ by at most this. */
	tolerance: number;
	/** Replicas go to distinct networks (EXOSTACK_DISTINCT_NETWORKS): a confirming replica must come from another one. */
	distinctNetworks?: boolean;
}

export type Settlement = (
	| {
			outcome: 'accepted';
			cancelledLeases: number[];
			credited: { volunteerId: string; amount: number }[];
			/** What was accepted: a job's waiters in this process answer from it (job-ends.ts) without reading it back. */
			chunk: AcceptedChunk;
	  }
	| { outcome: 'waiting' | 'spawned' | 'dead' | 'already' }
) & {
	/** Re-checks its verdicts queued (settle-checks.ts): new work, announced like a spawned replica. */
	rechecks?: number;
};

type ResultRow = { taskId: number; volunteerId: string; backendClass: string; output: unknown[] };

/**
 * Decides a chunk's fate from its replicas' results (the validator). The caller holds the chunk's lock
 * and applies `tally` (the volunteers' records) at the end of its transaction.
 *
 * Results are compared only within one backend class. When a strict majority of the job's replication
 * agree within the tolerance, the chunk is accepted: the first of them becomes the accepted result,
 * the agreeing replicas are credited and gain trust, the ones of that class that disagreed lose it,
 * and the chunk's open replicas are cancelled (a slow tail duplicate among them loses its lease). A
 * trusted volunteer's solo replica is a quorum of one when it is the chunk's only result. A quorum of
 * newcomers alone waits for an established volunteer's confirmation when one is connected
 * (confirm-newcomers.ts). With no quorum and nothing still running, one
 * more replica is spawned if the results disagree, up to 2n+1; otherwise the chunk is dead.
 */
export async function validateChunk(
	tx: Db,
	jobId: string,
	seq: number,
	policy: ValidationPolicy,
	tally: VolunteerTally
): Promise<Settlement> {
	const rows = await chunkState(tx, jobId, seq);
	const found = rows.filter((r) => r.verdict === 'pending').map((r) => ({ ...r, output: r.output! }));
	if (rows[0].acceptedTask !== null) {
		// Checks of the accepted result (settle-checks.ts, spot-checks.ts) are judged; any other late result is never compared.
		let rechecks = found.some((r) => r.recheck) ? await settleRecheck(tx, jobId, seq, policy.tolerance, tally) : 0;
		for (const r of found.filter((f) => f.spotCheck)) rechecks += await settleSpotCheck(tx, r.taskId, policy.tolerance, tally);
		const late = found.filter((r) => !r.recheck && !r.spotCheck).map((r) => r.taskId);
		if (late.length > 0)
			await tx
				.update(results)
				.set({ verdict: 'unchecked' })
				.where(and(inArray(results.taskId, late), eq(results.verdict, 'pending')));
		return { outcome: 'already', rechecks };
	}
	const { replication, cost, inputs } = rows[0];
	const quorum = found.length === 1 && found[0].solo ? 1 : quorumOf(replication);
	for (const [, inClass] of groupBy(found, (r) => r.backendClass)) {
		const agreeing = largestAgreeingGroup(inClass, policy.tolerance);
		if (agreeing.length < quorum) continue;
		const ctx = {
			jobId,
			seq,
			backendClass: rows[0].leaseClass,
			taskType: rows[0].taskType,
			distinctNetworks: policy.distinctNetworks ?? false
		};
		const confirm: Confirmation = quorum === 1 ? { action: 'accept' } : await confirmNewcomers(tx, ctx, agreeing, found, rows);
		if (confirm.action === 'refuse') continue;
		if (confirm.action === 'wait') return { outcome: 'waiting' };
		if (confirm.action === 'spawn') {
			await spawnReplica(tx, jobId, seq, true);
			return { outcome: 'spawned' };
		}
		return accept(tx, tally, jobId, seq, rows[0].firstInput, agreeing, found, cost * inputs);
	}
	if (rows.some((r) => r.state === 'queued' || r.state === 'leased')) return { outcome: 'waiting' };
	if (found.length > 0 && rows.length < 2 * replication + 1) {
		await spawnReplica(tx, jobId, seq);
		return { outcome: 'spawned' };
	}
	await tx
		.update(tasks)
		.set({ lastError: sql`coalesce(${tasks.lastError}, ${noQuorum(found.length, rows.length)})` })
		.where(chunk(tasks, jobId, seq));
	return { outcome: 'dead' };
}

/**
 * Everything the validator needs about a chunk in one round trip: each replica with its result (if
 * any), the job's replication, the model's cost and whether the chunk was already accepted.
 */
function chunkState(tx: Db, jobId: string, seq: number) {
	return tx
		.select({
			id: tasks.id,
			state: tasks.state,
			solo: tasks.solo,
			needsEstablished: tasks.needsEstablished,
			recheck: tasks.recheck,
			spotCheck: tasks.spotCheck,
			leaseClass: tasks.backendClass,
			taskType: tasks.taskType,
			inputs: sql<number>`jsonb_array_length(${tasks.inputs})`,
			firstInput: tasks.firstInput,
			taskId: results.taskId,
			volunteerId: results.volunteerId,
			backendClass: results.backendClass,
			output: results.output,
			verdict: results.verdict,
			replication: jobs.replication,
			cost: models.cost,
			acceptedTask: sql<
				number | null
			>`(select ${acceptedResults.taskId} from ${acceptedResults} where ${acceptedResults.jobId} = ${jobId} and ${acceptedResults.seq} = ${seq})`
		})
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.innerJoin(models, eq(models.id, jobs.modelId))
		.leftJoin(results, eq(results.taskId, tasks.id))
		.where(chunk(tasks, jobId, seq))
		.orderBy(asc(results.createdAt), asc(tasks.id)) as unknown as Promise<ChunkRow[]>;
}

interface ChunkRow {
	id: number;
	state: string;
	solo: boolean;
	needsEstablished: boolean;
	recheck: boolean;
	spotCheck: boolean;
	leaseClass: string | null;
	taskType: TaskType;
	inputs: number;
	firstInput: number;
	taskId: number;
	volunteerId: string;
	backendClass: string;
	output: unknown[] | null;
	verdict: string | null;
	replication: number;
	cost: number;
	acceptedTask: number | null;
}

function noQuorum(results: number, replicas: number) {
	return `no quorum: ${results} result(s) from ${replicas} replica(s) did not agree`;
}

async function accept(
	tx: Db,
	tally: VolunteerTally,
	jobId: string,
	seq: number,
	firstInput: number,
	agreeing: ResultRow[],
	all: ResultRow[],
	amount: number
): Promise<Settlement> {
	await tx.insert(acceptedResults).values({ jobId, seq, taskId: agreeing[0].taskId });
	// One statement cancels every open replica; the locked snapshot in `open` still shows which were
	// leased (RETURNING alone would show the new state), to tell those volunteers to stop.
	const open = tx.$with('open').as(
		tx
			.select({ id: tasks.id, was: tasks.state })
			.from(tasks)
			.where(and(chunk(tasks, jobId, seq), isOpen(tasks.state)))
			.for('update')
	);
	const cancelled = await tx
		.with(open)
		.update(tasks)
		.set({ ...endLease, state: 'cancelled', finishedAt: sql`now()` })
		.from(open)
		.where(eq(tasks.id, open.id))
		.returning({ id: tasks.id, was: open.was });
	const { credited, rechecks } = await recordVerdicts(tx, tally, jobId, agreeing, all, amount);
	return {
		outcome: 'accepted',
		cancelledLeases: cancelled.filter((c) => c.was === 'leased').map((c) => c.id),
		credited,
		rechecks,
		chunk: { firstInput, outputs: agreeing[0].output }
	};
}

/**
 * One more replica of a chunk whose results disagree: a fresh opinion from another volunteer; or, for
 * newcomers' quorum (confirm-newcomers.ts), one only an established volunteer may take.
 */
async function spawnReplica(tx: Db, jobId: string, seq: number, needsEstablished = false) {
	const [template] = await tx
		.select()
		.from(tasks)
		.where(chunk(tasks, jobId, seq))
		.limit(1);
	const [{ top }] = await tx
		.select({ top: max(tasks.replica) })
		.from(tasks)
		.where(chunk(tasks, jobId, seq));
	await tx.insert(tasks).values({
		jobId,
		seq,
		replica: (top ?? 0) + 1,
		firstInput: template.firstInput,
		inputs: template.inputs,
		taskType: template.taskType,
		modelId: template.modelId,
		priority: template.priority,
		needsEstablished
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
