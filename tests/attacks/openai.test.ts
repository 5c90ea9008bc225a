/**
 * Attacks on the OpenAI-compatible endpoints (/v1), whose bodies are outside input like any other:
 * no key or a revoked one, bad JSON and bodies that are no object, oversized input arrays, strings and
 * bodies, unknown fields, one submitter spending past its quota (and not another's), and a request held
 * open by a volunteer that never computes: every refusal is OpenAI-shaped, queues nothing, and the wait
 * is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startCliVolunteer, type CliVolunteer } from '../harness/cli-volunteer';
import { client, honestAuth, outcome } from './socket-attacker';
import { VOLUNTEER_NAMESPACE, type TaskLease } from '../../src/lib/protocol/events';
import { authenticatedVolunteer } from './fuzz/socket-events';

const MAX_INPUTS = 4;
const MAX_INPUT_CHARS = 200;
const MAX_BODY_BYTES = 8192;
const WAIT_SECONDS = 2;
const MODEL = 'demo-embedding';

const database = await freshDatabase();
let hub: HubProcess;
let volunteer: CliVolunteer | undefined;

beforeAll(async () => {
	hub = await startHubProcess({
		databaseUrl: database?.url,
		env: {
			EXOSTACK_MAX_INPUTS: String(MAX_INPUTS),
			EXOSTACK_MAX_INPUT_CHARS: String(MAX_INPUT_CHARS),
			EXOSTACK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
			EXOSTACK_OPENAI_WAIT_SECONDS: String(WAIT_SECONDS)
		}
	});
}, 120_000);
afterAll(async () => {
	await volunteer?.stop();
	await hub?.stop();
	await database?.drop();
});

/** A POST to a /v1 endpoint as the holder of `token` (null: none), with a raw body. */
function post(path: string, token: string | null, body: string, type = 'application/json') {
	const headers: Record<string, string> = { 'content-type': type };
	if (token) headers.authorization = `Bearer ${token}`;
	return fetch(`${hub.url}${path}`, { method: 'POST', headers, body });
}
const embeddings = (token: string | null, body: string, type?: string) => post('/v1/embeddings', token, body, type);

interface OpenAiErrorBody {
	error: { message: string; type: string; param: string | null; code: string | null };
}

/** The response's status and OpenAI error, checked to have OpenAI's shape. */
async function refused(res: Response): Promise<{ status: number; error: OpenAiErrorBody['error']; retryAfter: string | null }> {
	const body = (await res.json()) as OpenAiErrorBody;
	expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
	expect(body.error.message.length).toBeGreaterThan(0);
	return { status: res.status, error: body.error, retryAfter: res.headers.get('retry-after') };
}

async function jobCount(): Promise<number> {
	return ((await (await api(hub, '/api/jobs?limit=500')).json()) as unknown[]).length;
}

async function mint(name: string, quotas?: Record<string, number>): Promise<{ id: string; key: string }> {
	const res = await api(hub, '/api/keys', { method: 'POST', json: { name, ...(quotas ? { quotas } : {}) } });
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string; key: string };
}

const valid = (input: unknown = 'hello') => JSON.stringify({ model: MODEL, input });

describe('/v1 refuses what it must, in OpenAI shape, and queues nothing', () => {
	it('refuses a missing, malformed, unknown or revoked key with 401', async () => {
		const before = await jobCount();
		const revoked = await mint('revoked');
		expect((await api(hub, `/api/keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(200);
		for (const token of [null, 'exo_made_up_key_0123456789', revoked.key]) {
			const { status, error } = await refused(await embeddings(token, valid()));
			expect(status, String(token)).toBe(401);
			expect(error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
		}
		for (const path of ['/v1/models', `/v1/models/${MODEL}`])
			expect((await refused(await fetch(`${hub.url}${path}`))).status, path).toBe(401);
		expect(await jobCount()).toBe(before);
	});

	it('refuses bad JSON, bodies that are no object, unknown fields and oversized inputs with 400, 413 or 415', async () => {
		const before = await jobCount();
		const cases: [body: string, status: number, param: string | null, type?: string][] = [
			['{"model": "demo-embedding", "input": ', 400, null],
			['not json at all', 400, null],
			['[]', 400, null],
			['"a string"', 400, null],
			['null', 400, null],
			[JSON.stringify({ model: MODEL, input: 'x', inputs: ['typo'] }), 400, null],
			[JSON.stringify({ model: MODEL }), 400, 'input'],
			[JSON.stringify({ input: 'x' }), 400, 'model'],
			[JSON.stringify({ model: 7, input: 'x' }), 400, 'model'],
			[valid(Array.from({ length: MAX_INPUTS + 1 }, (_, i) => `input ${i}`)), 400, 'input'],
			[valid(['fine', 'x'.repeat(MAX_INPUT_CHARS + 1)]), 400, 'input[1]'],
			[valid('x'.repeat(MAX_INPUT_CHARS + 1)), 400, 'input'],
			[valid([[101, 102]]), 400, 'input[0]'],
			[valid(['ok', '']), 400, 'input[1]'],
			[valid('nul \u0000 inside'), 400, null],
			[JSON.stringify({ model: MODEL, input: 'x', encoding_format: 'int8' }), 400, 'encoding_format'],
			[JSON.stringify({ model: MODEL, input: 'x', dimensions: -1 }), 400, 'dimensions'],
			[valid('y'.repeat(MAX_BODY_BYTES + 1)), 413, null],
			[valid(), 415, null, 'text/plain']
		];
		for (const [body, status, param, type] of cases) {
			const answer = await refused(await embeddings(hub.token, body, type));
			expect([answer.status, answer.error.param, answer.error.type], body.slice(0, 80)).toEqual([status, param, 'invalid_request_error']);
		}
		expect(await jobCount()).toBe(before);
	});

	it('refuses generation requests past the bounds: n > 1, huge max_tokens, oversized prompts and conversations', async () => {
		const before = await jobCount();
		const model = 'demo-text-generation';
		const user = (content: string) => ({ role: 'user', content });
		const chat = (extra: object) => JSON.stringify({ model, messages: [user('hi')], ...extra });
		const complete = (extra: object) => JSON.stringify({ model, prompt: 'hi', ...extra });
		const cases: [path: string, body: string, param: string | null][] = [
			['/v1/chat/completions', chat({ n: 2 }), 'n'],
			['/v1/completions', complete({ n: 5 }), 'n'],
			['/v1/chat/completions', chat({ max_tokens: 1_000_000_000 }), 'max_tokens'],
			['/v1/chat/completions', chat({ max_completion_tokens: 2049 }), 'max_completion_tokens'],
			['/v1/completions', complete({ max_tokens: 0 }), 'max_tokens'],
			['/v1/completions', complete({ max_tokens: 1.5 }), 'max_tokens'],
			['/v1/chat/completions', chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop'],
			['/v1/chat/completions', chat({ seed: -1 }), 'seed'],
			['/v1/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'f' } }] }), null],
			['/v1/chat/completions', JSON.stringify({ model, messages: [] }), 'messages'],
			['/v1/chat/completions', JSON.stringify({ model, messages: Array.from({ length: 257 }, () => user('x')) }), 'messages'],
			['/v1/chat/completions', JSON.stringify({ model, messages: [user('x'.repeat(MAX_INPUT_CHARS + 1))] }), 'messages[0].content'],
			['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'tool', content: 'x' }] }), 'messages[0].role'],
			[
				'/v1/chat/completions',
				JSON.stringify({ model, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }),
				'messages[0].content[0].type'
			],
			// Each message within bounds, the conversation rendered past the limit on one input.
			['/v1/chat/completions', JSON.stringify({ model, messages: [user('x'.repeat(150)), user('y'.repeat(150))] }), 'messages'],
			['/v1/completions', complete({ prompt: Array.from({ length: MAX_INPUTS + 1 }, () => 'p') }), 'prompt'],
			['/v1/completions', complete({ prompt: '' }), 'prompt'],
			['/v1/completions', complete({ echo: true }), 'echo']
		];
		for (const [path, body, param] of cases) {
			const answer = await refused(await post(path, hub.token, body));
			expect([answer.status, answer.error.param, answer.error.type], `${path} ${body.slice(0, 100)}`).toEqual([
				400,
				param,
				'invalid_request_error'
			]);
		}
		expect(await jobCount()).toBe(before);
	});

	it('answers an unknown /v1 path with an OpenAI-shaped 404', async () => {
		const { status, error } = await refused(await api(hub, '/v1/fine_tuning/jobs'));
		expect(status).toBe(404);
		expect(error.code).toBe('unknown_url');
	});
});

describe('/v1 waits for volunteers, within bounds', () => {
	let silent: Socket | undefined;
	afterAll(() => void silent?.disconnect());

	it('gives up on a volunteer that never computes: 503 with Retry-After after EXOSTACK_OPENAI_WAIT_SECONDS, its job cancelled', async () => {
		// Ready for embeddings by its handshake, it never asks for work: the request must not hang on it.
		silent = client(hub.url, VOLUNTEER_NAMESPACE, honestAuth());
		expect((await outcome(silent)).welcome).toBeDefined();
		const answer = await refused(await embeddings(hub.token, valid('held open')));
		expect([answer.status, answer.error.code, answer.retryAfter]).toEqual([503, 'no_volunteer_available', '10']);
		const [job] = (await (await api(hub, '/api/jobs?limit=1')).json()) as { status: string }[];
		expect(job.status).toBe('cancelled');
		silent.disconnect();
	});

	it('holds each submitter to its own quota: 429 with Retry-After past it, other keys unaffected, nothing queued', async () => {
		volunteer = startCliVolunteer(hub.url);
		const oneJob = await mint('one job a day', { jobs_per_day: 1 });
		const threeInputs = await mint('three inputs a day', { inputs_per_day: 3 });
		const other = await mint('someone else');
		// The first job also waits for the volunteer to connect (503 until then).
		await expect.poll(async () => (await embeddings(oneJob.key, valid('first'))).status, { timeout: 60_000, interval: 500 }).toBe(200);
		const before = await jobCount();
		for (const [key, input] of [
			[oneJob.key, 'second'],
			[threeInputs.key, ['a', 'b', 'c', 'd']]
		] as const) {
			const answer = await refused(await embeddings(key, valid(input)));
			expect([answer.status, answer.error.type, answer.error.code]).toEqual([429, 'insufficient_quota', 'insufficient_quota']);
			expect(Number(answer.retryAfter)).toBeGreaterThan(0);
		}
		expect(await jobCount()).toBe(before);
		// Another submitter's spending is not charged to this one.
		expect((await embeddings(other.key, valid('mine'))).status).toBe(200);
		expect((await embeddings(threeInputs.key, valid(['a', 'b', 'c']))).status).toBe(200);
	});
});

describe('a client that goes away', () => {
	// Its own hub, waiting far longer than the test: a job cancelled within the test was cancelled by the disconnect.
	let patient: HubProcess;
	let silent: Socket | undefined;
	beforeAll(async () => {
		patient = await startHubProcess({ env: { EXOSTACK_OPENAI_WAIT_SECONDS: '3600' } });
	}, 120_000);
	afterAll(async () => {
		silent?.disconnect();
		await patient?.stop();
	});

	it("cancels a stream's job at once, so no volunteer computes for nobody", async () => {
		silent = client(patient.url, VOLUNTEER_NAMESPACE, honestAuth());
		expect((await outcome(silent)).welcome).toBeDefined();
		const abort = new AbortController();
		const res = await fetch(`${patient.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${patient.token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'demo-text-generation', messages: [{ role: 'user', content: 'hi' }], stream: true }),
			signal: abort.signal
		});
		expect(res.status).toBe(200);
		// The assistant's opening chunk: the stream is open and its job queued.
		const reader = res.body!.getReader();
		expect(new TextDecoder().decode((await reader.read()).value)).toContain('"role":"assistant"');
		const [job] = (await (await api(patient, '/api/jobs?limit=1')).json()) as { job_id: string; status: string }[];
		expect(job.status).toBe('queued');
		abort.abort();
		await expect
			.poll(async () => ((await (await api(patient, `/api/jobs/${job.job_id}`)).json()) as { status: string }).status, {
				timeout: 30_000,
				interval: 200
			})
			.toBe('cancelled');
	});

	it('cancels the job of a non-streamed request whose client leaves, and frees its leases', async () => {
		const leaser = await authenticatedVolunteer(patient.url, null);
		try {
			const cancelled: number[] = [];
			leaser.socket.on('task:cancelled', ({ taskIds }: { taskIds: number[] }) => cancelled.push(...taskIds));
			const abort = new AbortController();
			const pending = fetch(`${patient.url}/v1/embeddings`, {
				method: 'POST',
				headers: { authorization: `Bearer ${patient.token}`, 'content-type': 'application/json' },
				body: JSON.stringify({ model: MODEL, input: 'nobody will read this' }),
				signal: abort.signal
			}).catch((e: unknown) => e);
			type Job = { job_id: string; status: string; tasks: { leased: number } };
			const latest = async () => ((await (await api(patient, '/api/jobs?limit=1')).json()) as Job[])[0];
			await expect.poll(async () => (await latest())?.status === 'queued' && (await latest()).job_id, { timeout: 30_000 }).toBeTruthy();
			const { job_id: jobId } = await latest();
			// The volunteer holds the job's one task: what leaving must give back.
			const leased = (await leaser.socket.timeout(20_000).emitWithAck('task:request', { slots: 1 })) as { ok: boolean; tasks: TaskLease[] };
			expect(leased.tasks.map((t) => t.jobId)).toEqual([jobId]);
			const job = async () => (await (await api(patient, `/api/jobs/${jobId}`)).json()) as Job;
			expect((await job()).tasks.leased).toBe(1);
			abort.abort();
			expect(await pending).toBeInstanceOf(Error);
			await expect
				.poll(async () => [(await job()).status, (await job()).tasks.leased], { timeout: 30_000, interval: 200 })
				.toEqual(['cancelled', 0]);
			await expect.poll(() => cancelled, { timeout: 10_000 }).toEqual([leased.tasks[0].taskId]);
		} finally {
			leaser.socket.disconnect();
		}
	});
});
