/**
 * `POST /v1/batches`: the lines grouped into ExoStack jobs (group-lines.ts: lines that differ only in
 * their inputs share a job), each queued through submitAs like any job (quota, scheduling, replication,
 * credit). A line's response is still its own: finalize-batch.ts cuts its results out of its job's.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Hub } from '../../hub';
import { ownerOf, type Principal } from '../../auth/principal';
import { batchLines, batches } from '../../db/schema';
import { ApiError } from '../../http/api';
import { submitAs } from '../../http/submit-as';
import { cancelJob } from '../../scheduler/cancel-job';
import { OpenAiError, invalidParam } from '../errors';
import type { GenerationPlan } from '../generate';
import { BATCH_ENDPOINTS, planFor, type BatchEndpoint } from '../plan-request';
import { parseBatchFile } from './batch-file';
import { groupLines } from './group-lines';
import { fileBytes, requireFile } from './file-queries';
import { newBatchId } from './ids';

/** Lines per statement: one statement's parameters are bounded (65,535), however many lines EXOSTACK_BATCH_MAX_LINES allows. */
const LINES_PER_INSERT = 1000;

export const CreateBatchRequest = z.strictObject({
	input_file_id: z.string().min(1).max(128),
	endpoint: z.enum(Object.keys(BATCH_ENDPOINTS) as [BatchEndpoint, ...BatchEndpoint[]]),
	completion_window: z.literal('24h', { error: 'completion_window must be "24h"' }),
	metadata: z
		.record(z.string().max(64), z.string().max(512))
		.refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
		.nullish()
});
export type CreateBatchRequest = z.infer<typeof CreateBatchRequest>;

/** The batch created, or the one an earlier request with the same Idempotency-Key created. */
export async function createBatch(hub: Hub, principal: Principal, req: CreateBatchRequest, idempotencyKey: string | null): Promise<string> {
	const file = await requireFile(hub.db, principal, req.input_file_id, 'input_file_id');
	if (file.purpose !== 'batch')
		throw invalidParam('input_file_id', `file ${file.id} is not a batch input (its purpose is ${file.purpose})`);
	const bytes = await fileBytes(hub.blobs, file);
	if (!bytes) throw new OpenAiError(500, `file ${file.id}'s content is missing from the hub's data folder`, 'server_error');
	const lines = parseBatchFile(bytes, hub.config.limits, hub.config.batches.maxLines);
	const planned = [];
	for (const line of lines) {
		if (line.url !== req.endpoint)
			throw invalidParam('input_file_id', `line ${line.line}: url ${line.url} is not the batch's endpoint ${req.endpoint}`);
		try {
			planned.push({ ...line, plan: await planFor(hub, req.endpoint, line.body) });
		} catch (e) {
			if (e instanceof OpenAiError) throw new OpenAiError(e.status, `line ${line.line}: ${e.message}`, e.type, 'input_file_id', e.code);
			throw e;
		}
	}
	const id = newBatchId();
	const existing = await insertBatch(hub, principal, req, idempotencyKey, id, planned);
	if (existing) return existing;
	// Queued one by one after the batch's row is committed: a batch whose hub dies here is failed by the worker (batch-worker.ts).
	// A job refused (a quota) is every one of its lines' refusal.
	const groups = groupLines(
		planned.map((l) => ({ line: l.line, submission: l.plan.submission })),
		hub.config.limits.maxInputs
	);
	for (const group of groups) {
		const outcome = await submitAs(hub, principal, group.submission);
		const set = outcome.ok ? { jobId: outcome.id } : { refusal: { status_code: outcome.status, message: outcome.error } };
		for (let i = 0; i < group.lines.length; i += LINES_PER_INSERT)
			await hub.db
				.update(batchLines)
				.set(set)
				.where(and(eq(batchLines.batchId, id), inArray(batchLines.line, group.lines.slice(i, i + LINES_PER_INSERT))));
	}
	const [started] = await hub.db
		.update(batches)
		.set({ status: 'in_progress', inProgressAt: sql`now()` })
		.where(and(eq(batches.id, id), eq(batches.status, 'validating')))
		.returning({ id: batches.id });
	// Cancelled while its lines were being queued: the jobs just queued go too.
	if (!started) await cancelBatchJobs(hub, id);
	return id;
}

type Planned = { line: number; customId: string; body: Record<string, unknown>; plan: GenerationPlan };

/**
 * The batch's row and its lines, under the Idempotency-Key's lock (as http/idempotency.ts does for jobs):
 * the id of an earlier batch with this key and body instead, or a 422 for this key with another body.
 */
async function insertBatch(
	hub: Hub,
	principal: Principal,
	req: CreateBatchRequest,
	key: string | null,
	id: string,
	planned: Planned[]
): Promise<string | null> {
	const owner = principal.kind === 'admin' ? 'admin' : principal.id;
	const sha = key === null ? null : createHash('sha256').update(JSON.stringify(req)).digest('hex');
	return hub.db.transaction(async (tx) => {
		if (key !== null) {
			await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`idempotency:${owner}:${key}`}))`);
			const [first] = await tx
				.select({ id: batches.id, sha: batches.bodySha256 })
				.from(batches)
				.where(
					and(
						eq(batches.idempotencyPrincipal, owner),
						eq(batches.idempotencyKey, key),
						gt(batches.createdAt, sql`now() - interval '1 day'`)
					)
				);
			if (first && first.sha !== sha) throw new ApiError(422, 'this Idempotency-Key was already used with a different request body');
			if (first) return first.id;
		}
		await tx.insert(batches).values({
			id,
			ownerKeyId: ownerOf(principal),
			endpoint: req.endpoint,
			inputFileId: req.input_file_id,
			metadata: req.metadata ?? null,
			idempotencyPrincipal: key === null ? null : owner,
			idempotencyKey: key,
			bodySha256: sha
		});
		const rows = planned.map((l) => ({ batchId: id, line: l.line, customId: l.customId, body: l.body, promptTokens: l.plan.promptTokens }));
		for (let i = 0; i < rows.length; i += LINES_PER_INSERT) await tx.insert(batchLines).values(rows.slice(i, i + LINES_PER_INSERT));
		return null;
	});
}

/** Cancels every still-open job of a batch's lines (each once, however many lines share it), telling volunteers that held them to stop. */
export async function cancelBatchJobs(hub: Hub, batchId: string): Promise<void> {
	const rows = await hub.db.selectDistinct({ jobId: batchLines.jobId }).from(batchLines).where(eq(batchLines.batchId, batchId));
	const jobIds = rows.map((r) => r.jobId).filter((j): j is string => j !== null);
	for (const jobId of jobIds) {
		const cancelled = await cancelJob(hub.db, jobId);
		if (!cancelled) continue;
		hub.notify.tasksCancelled(cancelled.leasedTaskIds);
		hub.notify.jobChanged(jobId, true);
	}
}

/** Asks a batch to stop: it is `cancelling` until its lines' jobs have ended, then finalised as `cancelled`. */
export async function requestCancel(hub: Hub, batchId: string): Promise<void> {
	await hub.db
		.update(batches)
		.set({ status: 'cancelling', cancellingAt: sql`now()` })
		.where(and(eq(batches.id, batchId), inArray(batches.status, ['validating', 'in_progress'])));
	await cancelBatchJobs(hub, batchId);
}
