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
import { completeTask } from '../../scheduler/complete-task';
import { failTask } from '../../scheduler/fail-task';
import { policy } from '../../scheduler/testing';
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
			await seedVolunteers(d, ['v1', 'v2', 'v3']);
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

	/** The lines of a finalised batch's output or error file. */
	async function fileLines(fileId: string | null) {
		if (fileId === null) return [];
		const [row] = await db.select().from(files).where(eq(files.id, fileId));
		const text = Buffer.from((await new BlobStore(blobDir).head(row.sha256, row.bytes))!).toString();
		return text
			.split('\n')
			.filter(Boolean)
			.map((l) => JSON.parse(l));
	}

	/** Completes a leased task with input k's vector as [k, k, k], k its index in the job: each line's slice is then visible. */
	const completeWithIndexes = (t: { id: number; leaseToken: string; inputs: string[] }, volunteerId: string) =>
		completeTask(
			db,
			{
				taskId: t.id,
				leaseToken: t.leaseToken,
				volunteerId,
				outputs: t.inputs.map((text) => Array(3).fill(Number(text.split(' ')[1]))),
				backend: 'wasm',
				resultClass: 'wasm/fp32',
				durationMs: 5
			},
			policy
		);

	/** An embeddings batch whose lines of 1, 2 and 1 inputs share one four-input job (chunks of two), as create-batch groups them. */
	async function batchSharingJob(id: string) {
		const job = await makeJob(db, 4);
		await db.insert(batches).values({ id, endpoint: '/v1/embeddings', inputFileId: 'file-x', status: 'in_progress' });
		const line = (n: number, input: string | string[], promptTokens: number, encoding_format = 'float') => ({
			batchId: id,
			line: n,
			customId: `line-${n}`,
			body: { model: 'm', input, encoding_format },
			promptTokens,
			jobId: job.id
		});
		await db.insert(batchLines).values([line(1, 'input 0', 2), line(2, ['input 1', 'input 2'], 5), line(3, 'input 3', 3, 'base64')]);
		return job.id;
	}

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

	it("answers each line sharing a job with its own inputs' results and its own usage", async () => {
		const id = `batch_${'e'.repeat(32)}`;
		const jobId = await batchSharingJob(id);
		for (const t of await claimFor(db, 'v1', { slots: 2 })) await completeWithIndexes(t, 'v1');
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect(await finalizeBatch(hub(), id)).toBe(true);
		const [batch] = await db.select().from(batches).where(eq(batches.id, id));
		expect([batch.status, batch.completedCount, batch.failedCount, batch.errorFileId]).toEqual(['completed', 3, 0, null]);
		const out = await fileLines(batch.outputFileId);
		expect(out.map((l) => [l.custom_id, l.response.request_id, l.response.body.usage.prompt_tokens])).toEqual([
			['line-1', jobId, 2],
			['line-2', jobId, 5],
			['line-3', jobId, 3]
		]);
		expect(out[0].response.body.data).toEqual([{ object: 'embedding', index: 0, embedding: [0, 0, 0] }]);
		expect(out[1].response.body.data.map((d: { index: number; embedding: number[] }) => [d.index, d.embedding])).toEqual([
			[0, [1, 1, 1]],
			[1, [2, 2, 2]]
		]);
		const base64 = Buffer.from(out[2].response.body.data[0].embedding, 'base64');
		expect([0, 4, 8].map((o) => base64.readFloatLE(o))).toEqual([3, 3, 3]);
	});

	it("fails only the lines with an input in a shared job's dead chunk, with that chunk's error", async () => {
		const id = `batch_${'f'.repeat(32)}`;
		const jobId = await batchSharingJob(id);
		const [first] = await claimFor(db, 'v1');
		await completeWithIndexes(first, 'v1');
		// The second chunk (inputs 2 and 3) fails on every volunteer until it is dead.
		for (const v of ['v1', 'v2', 'v3']) {
			const [t] = await claimFor(db, v);
			await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: v, error: 'out of memory' }, policy);
		}
		expect(await finishJobIfDone(db, jobId)).toBe('failed');
		expect(await finalizeBatch(hub(), id)).toBe(true);
		const [batch] = await db.select().from(batches).where(eq(batches.id, id));
		expect([batch.completedCount, batch.failedCount]).toEqual([1, 2]);
		expect((await fileLines(batch.outputFileId)).map((l) => l.custom_id)).toEqual(['line-1']);
		const errors = await fileLines(batch.errorFileId);
		expect(errors.map((l) => [l.custom_id, l.response.status_code, l.response.body.error.message])).toEqual([
			['line-2', 500, `job ${jobId} failed: out of memory`],
			['line-3', 500, `job ${jobId} failed: out of memory`]
		]);
	});
});
