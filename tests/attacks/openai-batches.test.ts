/**
 * Attacks on the Files and Batches APIs, whose uploads and ids are outside input: another submitter's
 * files and batches are invisible (404 on every route, absent from lists, unusable as a batch's input),
 * an oversized file, a file with too many lines, malformed multipart bodies, path-like and foreign ids,
 * bad page parameters; and a batch cannot be used to spend a key's daily jobs a line at a time.
 * Every refusal is OpenAI-shaped and stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';

const MAX_FILE_BYTES = 2048;
const MAX_LINES = 3;

const database = await freshDatabase();
let hub: HubProcess;
let alice: string;
let mallory: string;

beforeAll(async () => {
	hub = await startHubProcess({
		databaseUrl: database?.url,
		env: { EXOSTACK_BATCH_FILE_MAX_BYTES: String(MAX_FILE_BYTES), EXOSTACK_BATCH_MAX_LINES: String(MAX_LINES) }
	});
	const mint = async (name: string) => (await (await api(hub, '/api/keys', { method: 'POST', json: { name } })).json()).key as string;
	alice = await mint('alice');
	mallory = await mint('mallory');
}, 120_000);
afterAll(async () => {
	await hub?.stop();
	await database?.drop();
});

const line = (i: number) =>
	JSON.stringify({ custom_id: `c${i}`, method: 'POST', url: '/v1/embeddings', body: { model: 'demo-embedding', input: `text ${i}` } });

function form(text: string, purpose = 'batch') {
	const body = new FormData();
	body.set('purpose', purpose);
	body.set('file', new Blob([text]), 'in.jsonl');
	return body;
}
const as = (token: string, pathname: string, init: RequestInit & { json?: unknown } = {}) => api({ url: hub.url, token }, pathname, init);
const upload = (token: string, body: BodyInit, headers: Record<string, string> = {}) =>
	as(token, '/v1/files', { method: 'POST', body, headers });

/** The response's status and OpenAI error, checked to have OpenAI's shape. */
async function refused(res: Response) {
	const body = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
	expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
	return { status: res.status, ...body.error };
}
const fileCount = async (token: string) => ((await (await as(token, '/v1/files')).json()) as { data: unknown[] }).data.length;

describe('Files and Batches API attacks', () => {
	it("keeps one submitter's files and batches invisible to another", async () => {
		const file = await (await upload(alice, form(`${line(1)}\n`))).json();
		const batch = await (
			await as(alice, '/v1/batches', {
				method: 'POST',
				json: { input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }
			})
		).json();
		expect(batch.status).toBe('in_progress');
		const probes: [string, RequestInit & { json?: unknown }][] = [
			[`/v1/files/${file.id}`, {}],
			[`/v1/files/${file.id}/content`, {}],
			[`/v1/files/${file.id}`, { method: 'DELETE' }],
			[`/v1/batches/${batch.id}`, {}],
			[`/v1/batches/${batch.id}/cancel`, { method: 'POST' }],
			['/v1/batches', { method: 'POST', json: { input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' } }]
		];
		for (const [p, init] of probes) expect((await refused(await as(mallory, p, init))).status, p).toBe(404);
		expect(await fileCount(mallory)).toBe(0);
		expect((await (await as(mallory, '/v1/batches')).json()).data).toEqual([]);
		// A page cursor naming someone else's batch or file is refused, not a way to learn of it.
		expect((await refused(await as(mallory, `/v1/batches?after=${batch.id}`))).param).toBe('after');
		expect((await refused(await as(mallory, `/v1/files?after=${file.id}`))).param).toBe('after');
		// Alice's are untouched by all that.
		expect((await (await as(alice, `/v1/batches/${batch.id}`)).json()).status).toBe('in_progress');
		expect((await as(alice, `/v1/files/${file.id}/content`)).status).toBe(200);
	});

	it('refuses an oversized file, too many lines and malformed multipart, storing nothing', async () => {
		const before = await fileCount(mallory);
		const big = `${JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/embeddings', body: { model: 'demo-embedding', input: 'y'.repeat(MAX_FILE_BYTES) } })}\n`;
		const over = await refused(await upload(mallory, form(big)));
		expect([over.status, over.param]).toEqual([400, 'file']);
		// Far past the limit, the body is not even read whole.
		expect((await refused(await upload(mallory, form('z'.repeat(MAX_FILE_BYTES * 20))))).status).toBe(413);
		const many = Array.from({ length: MAX_LINES + 1 }, (_, i) => line(i)).join('\n');
		const tooMany = await refused(await upload(mallory, form(many)));
		expect([tooMany.status, tooMany.message]).toEqual([400, `the file has ${MAX_LINES + 1} lines; a batch takes at most ${MAX_LINES}`]);
		const malformed: [BodyInit, string][] = [
			['--x\r\ncontent-disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated', 'multipart/form-data; boundary=x'],
			['garbage', 'multipart/form-data; boundary=x'],
			['{"file": "x"}', 'application/json'],
			['--x--\r\n', 'multipart/form-data']
		];
		for (const [body, type] of malformed)
			expect((await refused(await upload(mallory, body, { 'content-type': type }))).status, type).toBe(400);
		const wrongPurpose = await refused(await upload(mallory, form(`${line(1)}\n`, 'fine-tune')));
		expect([wrongPurpose.status, wrongPurpose.param]).toEqual([400, 'purpose']);
		const noFile = new FormData();
		noFile.set('purpose', 'batch');
		noFile.set('file', 'a plain field, not a file');
		expect((await refused(await upload(mallory, noFile))).param).toBe('file');
		expect((await refused(await upload(mallory, form('\u0000\n')))).status).toBe(400);
		expect((await refused(await upload(mallory, form(new TextDecoder('latin1').decode(new Uint8Array([0xff, 0xfe])))))).status).toBe(400);
		expect(await fileCount(mallory)).toBe(before);
	});

	it('answers 404 to path-like and malformed ids, and 400 to a bad page size', async () => {
		const ids = ['..%2F..%2Fetc%2Fpasswd', 'file-..', `file-${'0'.repeat(24)}`, 'batch_%00', '%2e%2e', 'x'.repeat(300)];
		for (const id of ids) {
			expect((await as(mallory, `/v1/files/${id}`)).status, id).toBe(404);
			expect((await as(mallory, `/v1/files/${id}/content`)).status, id).toBe(404);
			expect((await as(mallory, `/v1/batches/${id}`)).status, id).toBe(404);
			expect((await as(mallory, `/v1/batches/${id}/cancel`, { method: 'POST' })).status, id).toBe(404);
		}
		for (const limit of ['0', '101', '-1', '1e3', 'abc'])
			expect((await refused(await as(mallory, `/v1/batches?limit=${limit}`))).param, limit).toBe('limit');
		const badPages: [string, string][] = [
			['limit=0', 'limit'],
			['limit=10001', 'limit'],
			['limit=99999999999999999999', 'limit'],
			['limit=1.5', 'limit'],
			['order=sideways', 'order'],
			['after=file-..', 'after'],
			[`after=file-${'0'.repeat(24)}`, 'after'],
			[`purpose=${'p'.repeat(65)}`, 'purpose']
		];
		for (const [query, param] of badPages) {
			const answer = await refused(await as(mallory, `/v1/files?${query}`));
			expect([answer.status, answer.param], query).toEqual([400, param]);
		}
		const badCreate = await refused(
			await as(mallory, '/v1/batches', {
				method: 'POST',
				json: { input_file_id: 'file-x', endpoint: '/v1/embeddings', completion_window: '1h' }
			})
		);
		expect([badCreate.status, badCreate.param]).toEqual([400, 'completion_window']);
		expect((await as(mallory, '/v1/files', { headers: { authorization: 'Bearer nope-nope-nope-nope' } })).status).toBe(401);
	});

	it("queues a batch's lines of one kind as one job: a key allowed one job a day can still run a whole batch", async () => {
		const res = await api(hub, '/api/keys', { method: 'POST', json: { name: 'one job a day', quotas: { jobs_per_day: 1 } } });
		const frugal = (await res.json()).key as string;
		const lines = Array.from({ length: MAX_LINES }, (_, i) => line(i)).join('\n');
		const file = await (await upload(frugal, form(lines))).json();
		const batch = await (
			await as(frugal, '/v1/batches', {
				method: 'POST',
				json: { input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }
			})
		).json();
		// One job per line would have spent the day's one job on the first line and refused the rest (429s as failures).
		expect([batch.status, batch.request_counts]).toEqual(['in_progress', { total: MAX_LINES, completed: 0, failed: 0 }]);
		const jobs = (await (await as(frugal, '/api/jobs')).json()) as { inputs: number }[];
		expect(jobs.map((j) => j.inputs)).toEqual([MAX_LINES]);
		// The quota still counts that job: the key's next one is refused.
		const next = await as(frugal, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'demo-embedding', input: ['one more'] }
		});
		expect(next.status).toBe(429);
	});
});
