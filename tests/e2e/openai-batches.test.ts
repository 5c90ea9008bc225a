/**
 * OpenAI's Files and Batches APIs driven by the official `openai` npm client against the production hub,
 * with a real headless volunteer computing: a JSONL upload becomes one job per kind of line, the batch is polled
 * until completed, and its output file holds, per line, the synchronous endpoint's response with vectors
 * equal to onnxruntime-node's. Also: a bad line refused naming it, Idempotency-Key on creation, paging,
 * cancelling, and the batch's webhooks delivered to a local receiver verified with `standardwebhooks`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import OpenAI, { toFile } from 'openai';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { startCliVolunteer, type CliVolunteer } from '../harness/cli-volunteer';
import { maxAbsDiff, referenceEmbeddings } from '../harness/reference';

const MODEL = 'demo-embedding';
/** As the other end-to-end embedding checks: a volunteer's vector against onnxruntime-node's. */
const TOLERANCE = 1e-5;

type Event = { type: string; data: { batch_id: string; status: string; output_file_id: string | null; request_counts: { total: number } } };

const HUB_ENV = { EXOSTACK_WEBHOOK_ALLOW_HTTP: 'on', EXOSTACK_WEBHOOK_ALLOW_PRIVATE: 'on', EXOSTACK_SWEEP_SECONDS: '1' };

let hub: HubProcess;
let key: string;
let volunteer: CliVolunteer | undefined;
const events: Event[] = [];
let secret = '';
const receiver = http.createServer((req, res) => {
	let body = '';
	req.on('data', (c) => (body += c));
	req.on('end', () => {
		try {
			events.push(new Webhook(secret).verify(body, req.headers as Record<string, string>) as Event);
			res.statusCode = 200;
		} catch {
			res.statusCode = 400;
		}
		res.end();
	});
});

beforeAll(async () => {
	await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
	hub = await startHubProcess({ env: HUB_ENV });
	key = (await (await api(hub, '/api/keys', { method: 'POST', json: { name: 'batches' } })).json()).key;
	const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
	const hook = await api({ url: hub.url, token: key }, '/api/webhooks', {
		method: 'POST',
		json: { url, events: ['batch.completed', 'batch.cancelled'] }
	});
	expect(hook.status).toBe(201);
	secret = (await hook.json()).secret;
}, 120_000);
afterAll(async () => {
	await volunteer?.stop();
	await hub?.stop();
	await new Promise((done) => receiver.close(done));
});

/** The SDK as a user would set it up, without its retries: each test sees the hub's first answer. */
const client = () => new OpenAI({ baseURL: `${hub.url}/v1`, apiKey: key, maxRetries: 0 });

const jsonl = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
const embeddingLine = (custom_id: string, body: object) => ({
	custom_id,
	method: 'POST',
	url: '/v1/embeddings',
	body: { model: MODEL, ...body }
});
const upload = async (text: string) => client().files.create({ file: await toFile(Buffer.from(text), 'batch.jsonl'), purpose: 'batch' });

async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
	const e = await call.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(OpenAI.APIError);
	return e as InstanceType<typeof OpenAI.APIError>;
}

async function settled(id: string) {
	let batch = await client().batches.retrieve(id);
	await expect
		.poll(async () => (batch = await client().batches.retrieve(id)).status, { timeout: 120_000, interval: 500 })
		.toMatch(/^(completed|cancelled|failed)$/);
	return batch;
}

const parseJsonl = (text: string) =>
	text
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l));

describe('files', () => {
	it('refuses a file with a bad line, naming it, and keeps nothing', async () => {
		const bad = jsonl([embeddingLine('a', { input: 'fine' }), embeddingLine('b', { input: [] }), embeddingLine('c', { input: 'x' })]);
		const e = await refusal(upload(bad));
		expect(e).toBeInstanceOf(OpenAI.BadRequestError);
		expect(e.message).toMatch(/line 2: body\.input/);
		const streamed = await refusal(
			upload(
				jsonl([
					{ custom_id: 's', method: 'POST', url: '/v1/completions', body: { model: 'demo-text-generation', prompt: 'x', stream: true } }
				])
			)
		);
		expect(streamed.message).toMatch(/line 1: body\.stream/);
		expect((await client().files.list()).data).toEqual([]);
	});

	it('uploads, lists, retrieves, downloads and deletes a file', async () => {
		const text = jsonl([embeddingLine('only', { input: 'hello' })]);
		const file = await upload(text);
		expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(text), filename: 'batch.jsonl' });
		expect((await client().files.list()).data.map((f) => f.id)).toEqual([file.id]);
		expect(await client().files.retrieve(file.id)).toEqual(file);
		expect(await (await client().files.content(file.id)).text()).toBe(text);
		expect(await client().files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
		expect(await refusal(client().files.retrieve(file.id))).toBeInstanceOf(OpenAI.NotFoundError);
	});

	it("deletes a file's bytes from the data folder, unless another file holds the same bytes", async () => {
		const text = jsonl([embeddingLine('private', { input: 'something nobody else should read' })]);
		const blob = path.join(hub.dataDir, 'blobs', createHash('sha256').update(text).digest('hex'));
		const [a, b] = [await upload(text), await upload(text)];
		expect(existsSync(blob)).toBe(true);
		await client().files.delete(a.id);
		// b shares the bytes: they stay, and b still reads whole.
		expect(existsSync(blob)).toBe(true);
		expect(await (await client().files.content(b.id)).text()).toBe(text);
		await client().files.delete(b.id);
		expect(existsSync(blob)).toBe(false);
	});

	it('pages through files as OpenAI does: limit, after, order, purpose, has_more', async () => {
		const made = [];
		for (const i of [1, 2, 3]) made.push((await upload(jsonl([embeddingLine(`p${i}`, { input: `page ${i}` })]))).id);
		const newest = await client().files.list({ limit: 2 });
		expect([newest.data.map((f) => f.id), newest.has_more]).toEqual([[made[2], made[1]], true]);
		const rest = await client().files.list({ limit: 2, after: made[1] });
		expect([rest.data.map((f) => f.id), rest.has_more]).toEqual([[made[0]], false]);
		const oldest = await client().files.list({ limit: 10, order: 'asc', purpose: 'batch' });
		expect(oldest.data.map((f) => f.id)).toEqual(made);
		expect((await client().files.list({ purpose: 'batch_output' })).data).toEqual([]);
		// The SDK's own auto-paging walks them all.
		const walked = [];
		for await (const f of client().files.list({ limit: 1, order: 'asc' })) walked.push(f.id);
		expect(walked).toEqual(made);
		for (const id of made) await client().files.delete(id);
	});
});

describe('batches', () => {
	it('queues a batch with no volunteer yet, and cancels it: every line in the error file, batch.cancelled sent', async () => {
		const file = await upload(jsonl([embeddingLine('x1', { input: 'never computed' }), embeddingLine('x2', { input: 'nor this' })]));
		const batch = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
		expect(batch).toMatchObject({ object: 'batch', status: 'in_progress', request_counts: { total: 2, completed: 0, failed: 0 } });
		// Two lines of one kind: one job of their two inputs.
		const jobs = (await (await api({ url: hub.url, token: key }, '/api/jobs')).json()) as {
			status: string;
			job_id: string;
			inputs: number;
		}[];
		expect(jobs.map((j) => [j.status, j.inputs])).toEqual([['queued', 2]]);
		// Batch work: its lines never take the synchronous requests' interactive lane.
		for (const j of jobs)
			expect(((await (await api({ url: hub.url, token: key }, `/api/jobs/${j.job_id}`)).json()) as { priority: string }).priority).toBe(
				'high'
			);
		const cancelled = await client().batches.cancel(batch.id);
		expect(cancelled.status).toBe('cancelled');
		expect(cancelled.output_file_id).toBeNull();
		expect(cancelled.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
		const errors = parseJsonl(await (await client().files.content(cancelled.error_file_id!)).text());
		expect(errors.map((l) => [l.custom_id, l.error.code])).toEqual([
			['x1', 'batch_cancelled'],
			['x2', 'batch_cancelled']
		]);
		await expect
			.poll(() => events.filter((e) => e.data.batch_id === batch.id).map((e) => e.type), { timeout: 30_000 })
			.toEqual(['batch.cancelled']);
	});

	it('computes a batch of embeddings on a volunteer: each line equals onnxruntime-node and the synchronous endpoint', async () => {
		volunteer = startCliVolunteer(hub.url);
		const texts = ['Idle laptops, doing AI work', 'one fish', 'two fish, red fish, blue fish'];
		const lines = [
			embeddingLine('first', { input: texts[0] }),
			embeddingLine('both', { input: [texts[1], texts[2]], encoding_format: 'float' }),
			embeddingLine('bad-model', { model: 'no-such-model', input: 'x' })
		];
		// An unknown model in a line refuses the whole batch at creation, naming the line.
		const refused = await refusal(
			upload(jsonl(lines)).then((f) =>
				client().batches.create({ input_file_id: f.id, endpoint: '/v1/embeddings', completion_window: '24h' })
			)
		);
		expect([refused.status, refused.message]).toEqual([404, expect.stringMatching(/line 3: The model 'no-such-model'/)]);

		const file = await upload(jsonl(lines.slice(0, 2)));
		const params = {
			input_file_id: file.id,
			endpoint: '/v1/embeddings' as const,
			completion_window: '24h' as const,
			metadata: { run: 'e2e' }
		};
		const created = await client().batches.create(params, { headers: { 'Idempotency-Key': 'batch-e2e-1' } });
		// A retry with the same key and body is the same batch; another body with that key is a 422.
		expect((await client().batches.create(params, { headers: { 'Idempotency-Key': 'batch-e2e-1' } })).id).toBe(created.id);
		const misuse = await refusal(
			client().batches.create({ ...params, metadata: { run: 'other' } }, { headers: { 'Idempotency-Key': 'batch-e2e-1' } })
		);
		expect(misuse.status).toBe(422);

		// Nobody reads the batch meanwhile: the hub's batch worker finalises it and sends batch.completed by itself.
		await expect
			.poll(() => events.filter((e) => e.data.batch_id === created.id).map((e) => e.type), { timeout: 120_000, interval: 500 })
			.toEqual(['batch.completed']);
		const done = await settled(created.id);
		expect(done).toMatchObject({
			status: 'completed',
			error_file_id: null,
			metadata: { run: 'e2e' },
			request_counts: { total: 2, completed: 2, failed: 0 }
		});
		expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
		const output = parseJsonl(await (await client().files.content(done.output_file_id!)).text());
		expect(output.map((l) => [l.custom_id, l.response.status_code, l.error])).toEqual([
			['first', 200, null],
			['both', 200, null]
		]);
		const expected = await referenceEmbeddings(hub.url, MODEL, texts);
		const vectors = output.flatMap((l) => l.response.body.data.map((d: { embedding: number[] }) => d.embedding));
		vectors.forEach((v: number[], i: number) => expect(maxAbsDiff(v, expected[i]), texts[i]).toBeLessThan(TOLERANCE));
		// The same request made synchronously answers the same body, up to the vectors' last bits.
		const sync = await client().embeddings.create({ model: MODEL, input: [texts[1], texts[2]], encoding_format: 'float' });
		expect(output[1].response.body).toMatchObject({ object: 'list', model: MODEL, usage: sync.usage });
		sync.data.forEach((d, i) => expect(maxAbsDiff(d.embedding, output[1].response.body.data[i].embedding)).toBeLessThan(TOLERANCE));
		await expect
			.poll(() => events.filter((e) => e.data.batch_id === created.id).map((e) => [e.type, e.data.output_file_id]), { timeout: 30_000 })
			.toEqual([['batch.completed', done.output_file_id]]);
	}, 240_000);

	it('takes Idempotency-Key on the synchronous endpoints too: a retry is the first job, another body a 422', async () => {
		const jobCount = async () => ((await (await api({ url: hub.url, token: key }, '/api/jobs')).json()) as unknown[]).length;
		const before = await jobCount();
		const headers = { 'Idempotency-Key': 'sync-e2e-1' };
		const first = await client().embeddings.create({ model: MODEL, input: 'once only' }, { headers });
		const again = await client().embeddings.create({ model: MODEL, input: 'once only' }, { headers });
		expect(again.data[0].embedding).toEqual(first.data[0].embedding);
		expect(await jobCount()).toBe(before + 1);
		const misuse = await refusal(client().embeddings.create({ model: MODEL, input: 'something else' }, { headers }));
		expect(misuse.status).toBe(422);
		expect(await jobCount()).toBe(before + 1);
	});

	it('lists batches newest first, a page at a time', async () => {
		const all = (await client().batches.list({ limit: 100 })).data.map((b) => b.id);
		expect(all.length).toBeGreaterThanOrEqual(2);
		const first = await client().batches.list({ limit: 1 });
		expect([first.data.map((b) => b.id), first.has_more]).toEqual([[all[0]], true]);
		const rest = await client().batches.list({ limit: 100, after: all[0] });
		expect([rest.data.map((b) => b.id), rest.has_more]).toEqual([all.slice(1), false]);
		// The SDK's own auto-paging walks them all.
		const walked = [];
		for await (const b of client().batches.list({ limit: 1 })) walked.push(b.id);
		expect(walked).toEqual(all);
	});

	it("answers chat and completion lines with the synchronous endpoints' bodies", async () => {
		const chat = { model: 'demo-text-generation', messages: [{ role: 'user', content: 'Idle laptops' }], max_tokens: 6, temperature: 0 };
		const completion = { model: 'demo-text-generation', prompt: ['one fish', 'two fish'], max_tokens: 5, temperature: 0 };
		const run = async (endpoint: '/v1/chat/completions' | '/v1/completions', body: object) => {
			const file = await upload(jsonl([{ custom_id: 'g', method: 'POST', url: endpoint, body }]));
			const batch = await settled((await client().batches.create({ input_file_id: file.id, endpoint, completion_window: '24h' })).id);
			expect(batch.status).toBe('completed');
			return parseJsonl(await (await client().files.content(batch.output_file_id!)).text())[0].response.body;
		};
		const chatBody = await run('/v1/chat/completions', chat);
		const syncChat = await client().chat.completions.create(chat as OpenAI.ChatCompletionCreateParamsNonStreaming);
		expect(chatBody).toMatchObject({ object: 'chat.completion', model: chat.model, choices: syncChat.choices, usage: syncChat.usage });
		expect(chatBody.id).toMatch(/^chatcmpl-/);
		const completionBody = await run('/v1/completions', completion);
		const syncCompletion = await client().completions.create(completion);
		expect(completionBody).toMatchObject({ object: 'text_completion', choices: syncCompletion.choices, usage: syncCompletion.usage });
	}, 240_000);

	it('finishes a batch across a hub killed while it was queued', async () => {
		await volunteer?.stop();
		volunteer = undefined;
		const file = await upload(jsonl([embeddingLine('r1', { input: 'survives a restart' })]));
		const { id } = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
		await hub.kill();
		hub = await startHubProcess({ dataDir: hub.dataDir, env: HUB_ENV });
		expect((await client().batches.retrieve(id)).status).toBe('in_progress');
		volunteer = startCliVolunteer(hub.url);
		const done = await settled(id);
		expect([done.status, done.request_counts]).toEqual(['completed', { total: 1, completed: 1, failed: 0 }]);
		const [out] = parseJsonl(await (await client().files.content(done.output_file_id!)).text());
		const [expected] = await referenceEmbeddings(hub.url, MODEL, ['survives a restart']);
		expect(maxAbsDiff(out.response.body.data[0].embedding, expected)).toBeLessThan(TOLERANCE);
	}, 240_000);
});
