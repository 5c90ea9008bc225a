/**
 * A batch's end: once every line's job has ended, its output file (the lines that completed, each with the
 * synchronous endpoint's response, cut from the results of the job it shares with other lines) and error
 * file (the rest) are written, then its final status, the
 * files' rows and its webhook event in one transaction. Idempotent and safe to race: the files are
 * content-addressed with ids derived from the batch's, and only a batch still open is updated, so a hub
 * that dies halfway finalises it again after restart (the worker, or the next read).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Hub } from '../../hub';
import { batchLines, batches, files, jobs } from '../../db/schema';
import { getJobStatus } from '../../scheduler/job-status';
import type { JobStatusView } from '../../../protocol/rest/jobs';
import { responseFor, type BatchEndpoint } from '../plan-request';
import { enqueueBatchEvent } from './batch-events';
import { EXPIRED } from './expiry';
import { lineInputCount, positionsInJobs } from './group-lines';
import { resultFileId } from './ids';

const OPEN_JOB = ['queued', 'running'];

type OutLine = {
	id: string;
	custom_id: string;
	response: { status_code: number; request_id: string | null; body: unknown } | null;
	error: { code: string; message: string } | null;
};

/** Finalises batch `id` if it is open and all its lines have ended; true when this call did. */
export async function finalizeBatch(hub: Hub, id: string): Promise<boolean> {
	const [batch] = await hub.db.select().from(batches).where(eq(batches.id, id));
	if (!batch || !['in_progress', 'cancelling'].includes(batch.status)) return false;
	const lines = await hub.db
		.select({ line: batchLines, jobStatus: jobs.status })
		.from(batchLines)
		.leftJoin(jobs, eq(jobs.id, batchLines.jobId))
		.where(eq(batchLines.batchId, id))
		.orderBy(batchLines.line);
	if (lines.some((l) => l.jobStatus !== null && OPEN_JOB.includes(l.jobStatus))) return false;
	const output: OutLine[] = [];
	const errors: OutLine[] = [];
	const endpoint = batch.endpoint as BatchEndpoint;
	const stopped = batch.status !== 'cancelling' ? null : batch.error === EXPIRED ? 'expired' : 'cancelled';
	const counts = lines.map(({ line }) => lineInputCount(endpoint, line.body));
	const starts = positionsInJobs(lines.map(({ line }, i) => ({ jobId: line.jobId, inputs: counts[i] })));
	// Each job read once, however many lines it answers.
	const jobViews = new Map<string, Promise<JobStatusView | null>>();
	const jobOf = (jobId: string) => {
		if (!jobViews.has(jobId)) jobViews.set(jobId, getJobStatus(hub.db, jobId, { withResult: true }));
		return jobViews.get(jobId)!;
	};
	for (const [i, { line }] of lines.entries()) {
		const job = line.jobId ? await jobOf(line.jobId) : null;
		const out = lineOutcome(endpoint, line, job, { start: starts[i], count: counts[i] }, stopped);
		(out.response?.status_code === 200 ? output : errors).push(out);
	}
	const written = await Promise.all(
		[output, errors].map((set) => (set.length ? hub.blobs.putBytes(Buffer.from(set.map((l) => JSON.stringify(l) + '\n').join(''))) : null))
	);
	const [outputBlob, errorBlob] = written;
	// The worker stops a batch past its window as a cancel with the reason in `error` (batch-worker.ts).
	const final = batch.status !== 'cancelling' ? 'completed' : batch.error === EXPIRED ? 'expired' : 'cancelled';
	return hub.db.transaction(async (tx) => {
		const [done] = await tx
			.update(batches)
			.set({
				status: final,
				outputFileId: outputBlob ? resultFileId(id, 'output') : null,
				errorFileId: errorBlob ? resultFileId(id, 'error') : null,
				completedCount: output.length,
				failedCount: errors.length,
				finishedAt: sql`now()`
			})
			.where(and(eq(batches.id, id), inArray(batches.status, ['in_progress', 'cancelling'])))
			.returning({ id: batches.id });
		if (!done) return false;
		const rows = (
			[
				[outputBlob, 'output'],
				[errorBlob, 'error']
			] as const
		).flatMap(([blob, kind]) =>
			blob
				? [
						{
							id: resultFileId(id, kind),
							ownerKeyId: batch.ownerKeyId,
							filename: `${id}_${kind}.jsonl`,
							purpose: 'batch_output' as const,
							bytes: blob.size,
							sha256: blob.sha256
						}
					]
				: []
		);
		if (rows.length) await tx.insert(files).values(rows).onConflictDoNothing();
		await enqueueBatchEvent(tx, id, `batch.${final}`);
		return true;
	});
}

/** One line's entry: the endpoint's response from its inputs' results in its completed job, or why there is none. */
function lineOutcome(
	endpoint: BatchEndpoint,
	line: typeof batchLines.$inferSelect,
	job: JobStatusView | null,
	inputs: { start: number; count: number },
	stopped: 'cancelled' | 'expired' | null
): OutLine {
	const base = { id: `batch_req_${line.batchId.slice(6)}_${line.line}`, custom_id: line.customId };
	const failed = (status_code: number, message: string, type = 'server_error') => ({
		...base,
		response: { status_code, request_id: line.jobId, body: { error: { message, type, param: null, code: null } } },
		error: null
	});
	if (line.refusal)
		return failed(
			line.refusal.status_code,
			line.refusal.message,
			line.refusal.status_code === 429 ? 'insufficient_quota' : 'invalid_request_error'
		);
	// A job several lines share may fail in one chunk: the lines whose inputs all have results still
	// have their answers, and only those with an input in a dead chunk fail, with that chunk's error.
	const result = Array.isArray(job?.result) ? job.result.slice(inputs.start, inputs.start + inputs.count) : null;
	if (job && result && result.length === inputs.count && result.every((r) => r !== null))
		return {
			...base,
			response: {
				status_code: 200,
				request_id: job.job_id,
				body: responseFor(endpoint, line.body, { id: job.job_id, result }, line.promptTokens)
			},
			error: null
		};
	// As the synchronous endpoint reports a failed job (run-job.ts finishJob).
	if (job?.status === 'failed') {
		const dead = job.errors.find((e) => e.first_input < inputs.start + inputs.count && e.first_input + e.inputs > inputs.start);
		return failed(500, `job ${job.job_id} failed: ${dead?.error ?? job.error ?? job.errors[0]?.error ?? 'no reason given'}`);
	}
	return {
		...base,
		response: null,
		error: {
			code: stopped === 'expired' ? 'batch_expired' : 'batch_cancelled',
			message:
				stopped === 'expired'
					? EXPIRED
					: stopped
						? 'the batch was cancelled before this request finished'
						: 'its job was cancelled or removed'
		}
	};
}
