import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import type { Hub } from '../../hub';
import { batchLines, batches, files, jobs, webhookDeliveries, webhooks } from '../../db/schema';
import { TEST_DB_KINDS } from '../../db/testing';
import { BlobStore } from '../../models/blob-store';
import { quiet } from '../../notifier';
import { claimFor, completeAs, makeJob, seedModel, seedVolunteers, seededDatabase, vec } from '../../scheduler/testing';
import { finishJobIfDone } from '../../scheduler/finish-job';
import { advanceBatches } from './batch-worker';
import { finalizeBatch } from './finalize-batch';

const blobDir = mkdtempSync(path.join(tmpdir(), 'exostack-batch-blobs-'));
afterAll(() => rmSync(blobDir, { recursive: true, force: true }));

describe.each(TEST_DB_KINDS)('batch finalisation on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await d.execute(sql`truncate batch_lines, batches, files, webhook_deliveries, webhooks cascade`);
			await seedModel(d);
			await seedVolunteers(d, ['v1']);
			// The admin's webhook: batches without an owner key are the admin's.
			await d.insert(webhooks).values({ url: 'https://hooks.example/b', secret: 'whsec_x', events: ['batch.completed', 'batch.failed'] });
		},
		(opened) => (db = opened)
	);
	/** The parts of a hub that batches use: this spec's real database and a real blob store; nobody to notify. */
	const hub = () => ({ db, blobs: new BlobStore(blobDir), notify: quiet }) as unknown as Hub;

	/** A one-line embeddings batch over a fresh two-input job, `in_progress`. */
	async function batchOverJob(id: string) {
		const job = await makeJob(db, 2);
		await db.insert(batches).values({ id, endpoint: '/v1/embeddings', inputFileId: 'file-x', status: 'in_progress' });
		const body = { model: 'm', input: ['input 0', 'input 1'], encoding_format: 'float' };
		await db.insert(batchLines).values({ batchId: id, line: 1, customId: 'only', body, promptTokens: 4, jobId: job.id });
		return job.id;
	}
	const deliveries = () => db.select().from(webhookDeliveries);

	it('waits for its jobs, then finalises once however many processes race to, with one webhook', async () => {
		const id = `batch_${'a'.repeat(32)}`;
		const jobId = await batchOverJob(id);
		expect(await finalizeBatch(hub(), id)).toBe(false);
		const [task] = await claimFor(db, 'v1');
		await completeAs(db, task, 'v1');
		expect(await finishJobIfDone(db, jobId)).toBe('completed');

		// Two hub processes (or a restarted one and a reader) finalising at once: one does it, the files are written once.
		const done = await Promise.all([finalizeBatch(hub(), id), finalizeBatch(hub(), id), finalizeBatch(hub(), id)]);
		expect(done.filter((d) => d === true)).toHaveLength(1);
		const [batch] = await db.select().from(batches).where(eq(batches.id, id));
		expect(batch).toMatchObject({ status: 'completed', completedCount: 1, failedCount: 0, errorFileId: null });
		const [output] = await db.select().from(files).where(eq(files.id, batch.outputFileId!));
		const line = JSON.parse(Buffer.from((await new BlobStore(blobDir).head(output.sha256, output.bytes))!).toString());
		expect(line).toMatchObject({
			custom_id: 'only',
			error: null,
			response: { status_code: 200, request_id: jobId, body: { object: 'list', model: 'm', usage: { prompt_tokens: 4, total_tokens: 4 } } }
		});
		expect(line.response.body.data.map((d: { embedding: number[] }) => d.embedding)).toEqual([vec(0), vec(1)]);
		expect((await deliveries()).map((d) => [d.event, (d.payload.data as { batch_id: string }).batch_id])).toEqual([
			['batch.completed', id]
		]);
		// Finalising again changes nothing.
		expect(await finalizeBatch(hub(), id)).toBe(false);
		expect(await db.select().from(files)).toHaveLength(1);
	});

	it('fails a batch whose creating hub stopped while queueing it, and cancels what it had queued', async () => {
		const id = `batch_${'b'.repeat(32)}`;
		const jobId = await batchOverJob(id);
		await db
			.update(batches)
			.set({ status: 'validating', createdAt: sql`now() - interval '11 minutes'` })
			.where(eq(batches.id, id));
		await advanceBatches(hub());
		const [batch] = await db.select().from(batches).where(eq(batches.id, id));
		expect([batch.status, batch.error]).toEqual(['failed', 'the hub stopped while queueing this batch; create it again']);
		expect((await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)))[0].status).toBe('cancelled');
		expect((await deliveries()).map((d) => d.event)).toEqual(['batch.failed']);
	});

	it('leaves a batch still being queued alone', async () => {
		const id = `batch_${'c'.repeat(32)}`;
		const jobId = await batchOverJob(id);
		await db.update(batches).set({ status: 'validating' }).where(eq(batches.id, id));
		await advanceBatches(hub());
		expect((await db.select({ status: batches.status }).from(batches).where(eq(batches.id, id)))[0].status).toBe('validating');
		expect((await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)))[0].status).toBe('queued');
	});

	it('stops a batch past its completion window: expired, its jobs cancelled, every open line in the error file', async () => {
		const id = `batch_${'d'.repeat(32)}`;
		const jobId = await batchOverJob(id);
		await db
			.update(batches)
			.set({ createdAt: sql`now() - interval '25 hours'` })
			.where(eq(batches.id, id));
		await db.update(webhooks).set({ events: ['batch.expired'] });
		await advanceBatches(hub());
		const [batch] = await db.select().from(batches).where(eq(batches.id, id));
		expect([batch.status, batch.outputFileId, batch.failedCount]).toEqual(['expired', null, 1]);
		expect((await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)))[0].status).toBe('cancelled');
		const [errors] = await db.select().from(files).where(eq(files.id, batch.errorFileId!));
		const line = JSON.parse(Buffer.from((await new BlobStore(blobDir).head(errors.sha256, errors.bytes))!).toString());
		expect([line.custom_id, line.response, line.error.code]).toEqual(['only', null, 'batch_expired']);
		expect((await deliveries()).map((d) => d.event)).toEqual(['batch.expired']);
	});
});
