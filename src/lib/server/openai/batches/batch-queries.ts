/** Batches as OpenAI's Batch object, each its owner's alone (another's is a 404, as if it did not exist). */
import type { BatchObject } from '../../../protocol/rest/openai';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import { batchLines, batches, jobs } from '../../db/schema';
import { ownerOf, type Principal } from '../../auth/principal';
import { OpenAiError, invalidParam } from '../errors';
import { COMPLETION_WINDOW_MS } from './expiry';
import { BATCH_ID } from './ids';

type BatchRow = typeof batches.$inferSelect;
type Counts = { total: number; completed: number; failed: number };

function ownedBy(principal: Principal) {
	const owner = ownerOf(principal);
	return owner === null ? isNull(batches.ownerKeyId) : eq(batches.ownerKeyId, owner);
}

/** The caller's batch `id`, or a 404. */
export async function requireBatch(db: Db, principal: Principal, id: string): Promise<BatchRow> {
	const [row] = BATCH_ID.test(id)
		? await db
				.select()
				.from(batches)
				.where(and(eq(batches.id, id), ownedBy(principal)))
		: [];
	if (!row) throw new OpenAiError(404, `No such Batch object: ${id.slice(0, 64)}`, 'invalid_request_error', null, 'not_found');
	return row;
}

/**
 * A page of the caller's batches, newest first, after the batch `after` (OpenAI's cursor), and whether
 * more follow.
 */
export async function listBatches(db: Db, principal: Principal, after: string | null, limit: number) {
	let cursor = undefined;
	if (after !== null) {
		const [from] = BATCH_ID.test(after)
			? await db
					.select()
					.from(batches)
					.where(and(eq(batches.id, after), ownedBy(principal)))
			: [];
		if (!from) throw invalidParam('after', `after: no batch ${after.slice(0, 64)} of yours`);
		cursor = or(lt(batches.createdAt, from.createdAt), and(eq(batches.createdAt, from.createdAt), lt(batches.id, from.id)));
	}
	const rows = await db
		.select()
		.from(batches)
		.where(and(ownedBy(principal), cursor))
		.orderBy(desc(batches.createdAt), desc(batches.id))
		.limit(limit + 1);
	return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Request counts: a finished batch's as finalised, an open one's from its lines' jobs now. */
export async function countsOf(db: Db, rows: BatchRow[]): Promise<Map<string, Counts>> {
	const open = rows.filter((r) => r.finishedAt === null).map((r) => r.id);
	const live = open.length
		? await db
				.select({
					id: batchLines.batchId,
					total: sql<number>`count(*)::int`,
					completed: sql<number>`(count(*) filter (where ${jobs.status} = 'completed'))::int`,
					failed: sql<number>`(count(*) filter (where ${batchLines.refusal} is not null or ${jobs.status} in ('failed', 'cancelled')))::int`
				})
				.from(batchLines)
				.leftJoin(jobs, eq(jobs.id, batchLines.jobId))
				.where(inArray(batchLines.batchId, open))
				.groupBy(batchLines.batchId)
		: [];
	const counts = new Map(live.map((c) => [c.id, { total: c.total, completed: c.completed, failed: c.failed }]));
	for (const r of rows)
		if (r.finishedAt !== null)
			counts.set(r.id, { total: r.completedCount + r.failedCount, completed: r.completedCount, failed: r.failedCount });
	return counts;
}

const seconds = (d: Date | null) => (d === null ? null : Math.floor(d.getTime() / 1000));

/** OpenAI's Batch object. */
export function batchObject(row: BatchRow, counts: Counts = { total: 0, completed: 0, failed: 0 }): BatchObject {
	const ended = (status: string) => (row.status === status ? seconds(row.finishedAt) : null);
	return {
		id: row.id,
		object: 'batch' as const,
		endpoint: row.endpoint,
		errors: row.error
			? {
					object: 'list',
					data: [{ code: row.status === 'failed' ? 'batch_failed' : 'batch_expired', message: row.error, param: null, line: null }]
				}
			: null,
		input_file_id: row.inputFileId,
		completion_window: '24h',
		status: row.status,
		output_file_id: row.outputFileId,
		error_file_id: row.errorFileId,
		created_at: seconds(row.createdAt)!,
		in_progress_at: seconds(row.inProgressAt),
		expires_at: seconds(row.createdAt)! + COMPLETION_WINDOW_MS / 1000,
		finalizing_at: ended('completed'),
		completed_at: ended('completed'),
		failed_at: ended('failed'),
		expired_at: ended('expired'),
		cancelling_at: seconds(row.cancellingAt),
		cancelled_at: ended('cancelled'),
		request_counts: counts,
		metadata: row.metadata ?? null
	};
}
