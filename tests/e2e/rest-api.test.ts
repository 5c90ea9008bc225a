/**
 * The REST API and the volunteer socket of the real production hub (`node server.js` on PGlite), over
 * real HTTP: submissions and their validation, models and blobs, a full job computed by a headless
 * volunteer and checked against the executor run here, cancellation, and socket payload validation.
 * One hub for the whole file, with small limits so the caps are cheap to hit.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { startHeadlessVolunteer, nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import { referenceEmbeddings } from '../harness/reference';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';
import { makeJpeg, makePng } from '../harness/images';
import { encode as encodePng } from 'fast-png';

const MAX_INPUTS = 50;
const MAX_INPUT_CHARS = 200;
const MAX_BODY_BYTES = 16 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ModelView {
	id: string;
	task_types: string[];
	source?: string;
	credit_per_input?: number;
	embedding?: { dimensions: number; max_length: number; pooling: string; normalize: boolean };
	files: { path: string; sha256: string; size: number; url: string }[];
}

let hub: HubProcess;
const scratch = tempDir('exostack-rest-');

beforeAll(async () => {
	hub = await startHubProcess({
		env: {
			EXOSTACK_MAX_INPUTS: String(MAX_INPUTS),
			EXOSTACK_MAX_INPUT_CHARS: String(MAX_INPUT_CHARS),
			EXOSTACK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
			EXOSTACK_MAX_IMAGE_BYTES: '20000',
			EXOSTACK_MAX_IMAGE_PIXELS: '10000'
		}
	});
});

afterAll(async () => {
	await hub?.stop();
	await rm(scratch, { recursive: true, force: true });
});

const submission = (input: unknown) => ({ task_type: 'embedding', model: 'demo-embedding', input });

async function submit(body: unknown, pathname = '/api/jobs'): Promise<string> {
	const res = await api(hub, pathname, { method: 'POST', json: body });
	const reply = await res.json();
	expect(res.status, JSON.stringify(reply)).toBe(201);
	// The seed's path calls a job a task; /api/* calls it a job.
	const idKey = pathname === '/tasks/submit' ? 'task_id' : 'job_id';
	expect(reply).toEqual({ [idKey]: expect.stringMatching(UUID), status: 'queued' });
	expect(res.headers.get('location')).toBe(`/api/jobs/${reply[idKey]}`);
	return reply[idKey];
}

async function jobCount(): Promise<number> {
	const res = await api(hub, '/api/jobs?limit=500');
	expect(res.status).toBe(200);
	return ((await res.json()) as unknown[]).length;
}

async function status(id: string) {
	const res = await api(hub, `/api/jobs/${id}`);
	expect(res.status).toBe(200);
	return res.json();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${hub.logs().slice(-3000)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

async function models(): Promise<ModelView[]> {
	const res = await fetch(`${hub.url}/api/models`);
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/^application\/json/);
	return res.json();
}

describe('submitting a job', () => {
	it('takes a list of inputs on POST /api/jobs and on the seed alias POST /tasks/submit', async () => {
		const before = await jobCount();
		const a = await submit(submission(['first text', 'second text', 'third text']));
		const b = await submit({ ...submission(['seed alias']), priority: 'high', laptop_optimized: true }, '/tasks/submit');
		expect(a).not.toBe(b);

		for (const [id, inputs, priority] of [
			[a, 3, 'normal'],
			[b, 1, 'high']
		] as const) {
			for (const [pathname, idKey] of [
				[`/api/jobs/${id}`, 'job_id'],
				[`/tasks/${id}/status`, 'task_id']
			]) {
				const res = await api(hub, pathname);
				expect(res.status).toBe(200);
				const view = await res.json();
				expect(view).not.toHaveProperty(idKey === 'job_id' ? 'task_id' : 'job_id');
				expect(view).toMatchObject({
					[idKey]: id,
					status: 'queued',
					task_type: 'embedding',
					model: 'demo-embedding',
					priority,
					progress: { done: 0, total: inputs },
					started_at: null,
					finished_at: null,
					error: null,
					result: null
				});
			}
		}

		const listed = (await (await api(hub, '/api/jobs')).json()) as { job_id: string; status: string; inputs: number }[];
		expect(listed.find((j) => j.job_id === a)).toMatchObject({
			status: 'queued',
			inputs: 3,
			model: 'demo-embedding',
			task_type: 'embedding'
		});
		expect(listed.find((j) => j.job_id === b)).toMatchObject({ status: 'queued', inputs: 1 });
		expect(await jobCount()).toBe(before + 2);
	});

	it('takes a single string as one input', async () => {
		const id = await submit(submission('just one sentence'));
		expect(await status(id)).toMatchObject({ status: 'queued', progress: { done: 0, total: 1 }, tasks: { total: 1, queued: 1 } });
	});

	it('refuses bad submissions with a 4xx that says what is wrong, and stores nothing', async () => {
		const before = await jobCount();
		const post = (init: RequestInit & { json?: unknown }, pathname = '/api/jobs') => api(hub, pathname, { method: 'POST', ...init });
		const json = { 'content-type': 'application/json' };
		const cases: [string, () => Promise<Response>, number, RegExp][] = [
			['malformed JSON', () => post({ headers: json, body: '{"task_type": "embedding",' }), 400, /malformed JSON/],
			['empty body', () => post({ headers: json }), 400, /no body/],
			['not an object', () => post({ json: ['embedding', 'demo-embedding'] }), 400, /body: .*expected object, received array/],
			['null body', () => post({ json: null }), 400, /expected object, received null/],
			['unknown model', () => post({ json: { ...submission(['a']), model: 'no-such-model' } }), 404, /unknown model "no-such-model"/],
			[
				'model lacks the task type',
				() => post({ json: { ...submission(['a']), task_type: 'text_generation' } }),
				400,
				/does not do text_generation/
			],
			['input a number', () => post({ json: submission(42) }), 400, /input: expected string or array, received number/],
			[
				'input missing',
				() => post({ json: { task_type: 'embedding', model: 'demo-embedding' } }),
				400,
				/input: expected string or array, received undefined/
			],
			['an input not a string', () => post({ json: submission(['ok', 7]) }), 400, /input\.1: .*expected string, received number/],
			['priority "urgent"', () => post({ json: { ...submission(['a']), priority: 'urgent' } }), 400, /priority: .*"low"\|"normal"\|"high"/],
			['task_type "dance"', () => post({ json: { ...submission(['a']), task_type: 'dance' } }), 400, /task_type: .*"embedding"/],
			['chunk_size 0', () => post({ json: { ...submission(['a']), chunk_size: 0 } }), 400, /chunk_size/],
			['empty input array', () => post({ json: submission([]) }), 400, /input: input must hold at least one item/],
			['an empty string input', () => post({ json: submission(['fine', '']) }), 400, /input\.1: an input must not be empty/],
			['an empty single input', () => post({ json: submission('') }), 400, /input: an input must not be empty/],
			[
				'unknown key "inputs"',
				() => post({ json: { task_type: 'embedding', model: 'demo-embedding', inputs: ['a'] } }),
				400,
				/Unrecognized key: "inputs"/
			],
			[
				'more inputs than EXOSTACK_MAX_INPUTS',
				() => post({ json: submission(Array.from({ length: MAX_INPUTS + 1 }, (_, i) => `x${i}`)) }),
				400,
				new RegExp(`input: input must hold at most ${MAX_INPUTS} items`)
			],
			[
				'an input longer than EXOSTACK_MAX_INPUT_CHARS',
				() => post({ json: submission(['short', 'y'.repeat(MAX_INPUT_CHARS + 1)]) }),
				400,
				new RegExp(`input\\.1: an input must be at most ${MAX_INPUT_CHARS} characters`)
			],
			['body over EXOSTACK_MAX_BODY_BYTES', () => post({ json: submission(['z'.repeat(MAX_BODY_BYTES)]) }), 413, /larger than 16384 bytes/],
			[
				// No Content-Length: the hub must count the bytes as they stream, not trust a header.
				'streamed body over EXOSTACK_MAX_BODY_BYTES',
				() =>
					post({
						headers: json,
						body: new Blob([JSON.stringify(submission(['q'.repeat(MAX_BODY_BYTES)]))]).stream(),
						duplex: 'half'
					} as RequestInit),
				413,
				/larger than 16384 bytes/
			],
			[
				'content-type text/plain',
				() => post({ headers: { 'content-type': 'text/plain' }, body: JSON.stringify(submission(['a'])) }),
				415,
				/application\/json/
			],
			[
				'content-type form',
				() => post({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'input=a' }),
				415,
				/application\/json/
			],
			[
				'missing token',
				() => fetch(`${hub.url}/api/jobs`, { method: 'POST', headers: json, body: JSON.stringify(submission(['a'])) }),
				401,
				/missing API token/
			],
			[
				'wrong token',
				() => post({ headers: { authorization: 'Bearer exo_wrong_token_0123456789abcdef' }, json: submission(['a']) }),
				401,
				/invalid API token/
			],
			[
				'wrong token on the alias',
				() => post({ headers: { authorization: 'Basic Zm9vOmJhcg==' }, json: submission(['a']) }, '/tasks/submit'),
				401,
				/invalid API token/
			]
		];
		for (const [name, send, code, message] of cases) {
			const res = await send().catch((e: Error) => {
				throw new Error(`${name}: ${e.message} (${(e.cause as Error | undefined)?.message})`);
			});
			expect(res.status, name).toBe(code);
			expect(res.headers.get('content-type'), name).toMatch(/^application\/json/);
			const body = await res.json();
			expect(Object.keys(body), name).toEqual(['error']);
			expect(body.error, name).toMatch(message);
		}
		expect(await jobCount()).toBe(before);
	});

	it('answers 404 JSON for unknown and malformed job ids', async () => {
		for (const pathname of [
			'/api/jobs/00000000-0000-4000-8000-000000000000',
			'/tasks/00000000-0000-4000-8000-000000000000/status',
			'/api/jobs/not-a-uuid',
			'/tasks/1;drop table jobs/status',
			'/api/jobs/00000000-0000-4000-8000-000000000000/results',
			'/api/jobs/00000000-0000-4000-8000-000000000000/tasks'
		]) {
			const res = await api(hub, pathname);
			expect(res.status, pathname).toBe(404);
			expect((await res.json()).error, pathname).toMatch(/no job/);
		}
		const health = await fetch(`${hub.url}/api/health`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({ ok: true, database: 'pglite' });
	});

	it('answers JSON for an API path no route takes, a malformed id of any kind among them; pages keep the error page', async () => {
		const cases: [string, RequestInit, number, RegExp][] = [
			['/api/jobs/not-a-uuid/cancel', { method: 'POST' }, 404, /no job "not-a-uuid"/],
			['/nodes/-bad/heartbeat', { method: 'POST' }, 400, /invalid node id/],
			['/nodes/-bad/health/detailed', {}, 404, /no live node "-bad"/],
			['/api/volunteers/-bad', {}, 404, /no volunteer "-bad"/],
			['/api/no-such-endpoint', {}, 404, /no API endpoint at \/api\/no-such-endpoint/]
		];
		for (const [pathname, init, status, message] of cases) {
			const res = await api(hub, pathname, init);
			expect(res.status, pathname).toBe(status);
			expect(res.headers.get('content-type'), pathname).toMatch(/^application\/json/);
			expect(await res.json(), pathname).toEqual({ error: expect.stringMatching(message) });
		}
		for (const pathname of ['/jobs/not-a-uuid', '/volunteers/-bad']) {
			const page = await fetch(`${hub.url}${pathname}`, { headers: { accept: 'text/html' } });
			expect(page.status, pathname).toBe(404);
			expect(page.headers.get('content-type'), pathname).toMatch(/^text\/html/);
		}
	});
});

describe('models and blobs', () => {
	it('lists the demo model with its files', async () => {
		const demo = (await models()).find((m) => m.id === 'demo-embedding');
		expect(demo).toMatchObject({
			id: 'demo-embedding',
			task_types: ['embedding'],
			embedding: { dimensions: 64, pooling: 'none', normalize: true }
		});
		expect(demo!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['onnx/model.onnx', 'tokenizer.json', 'config.json']));
		for (const f of demo!.files) {
			expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
			expect(f.size).toBeGreaterThan(0);
			expect(f.url).toBe(`/blobs/${f.sha256}`);
		}
	});

	it('serves content-addressed blobs with caching, conditional and range requests', async () => {
		const demo = (await models()).find((m) => m.id === 'demo-embedding')!;
		const file = demo.files.find((f) => f.path === 'onnx/model.onnx')!;
		const url = `${hub.url}${file.url}`;

		const full = await fetch(url);
		expect(full.status).toBe(200);
		const bytes = Buffer.from(await full.arrayBuffer());
		expect(bytes.length).toBe(file.size);
		expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
		expect(full.headers.get('etag')).toBe(`"${file.sha256}"`);
		expect(full.headers.get('cache-control')).toContain('immutable');
		expect(full.headers.get('accept-ranges')).toBe('bytes');
		expect(full.headers.get('content-length')).toBe(String(file.size));

		const cached = await fetch(url, { headers: { 'if-none-match': `"${file.sha256}"` } });
		expect(cached.status).toBe(304);
		expect((await cached.arrayBuffer()).byteLength).toBe(0);
		expect((await fetch(url, { headers: { 'if-none-match': '"something-else"' } })).status).toBe(200);

		const head = await fetch(url, { headers: { range: 'bytes=0-99' } });
		expect(head.status).toBe(206);
		expect(head.headers.get('content-range')).toBe(`bytes 0-99/${file.size}`);
		expect(Buffer.from(await head.arrayBuffer())).toEqual(bytes.subarray(0, 100));

		const middle = await fetch(url, { headers: { range: 'bytes=1000-1049' } });
		expect(middle.status).toBe(206);
		expect(middle.headers.get('content-range')).toBe(`bytes 1000-1049/${file.size}`);
		expect(Buffer.from(await middle.arrayBuffer())).toEqual(bytes.subarray(1000, 1050));

		const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
		expect(tail.status).toBe(206);
		expect(tail.headers.get('content-range')).toBe(`bytes ${file.size - 10}-${file.size - 1}/${file.size}`);
		expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(file.size - 10));

		const open = await fetch(url, { headers: { range: `bytes=${file.size - 5}-` } });
		expect(open.status).toBe(206);
		expect(Buffer.from(await open.arrayBuffer())).toEqual(bytes.subarray(file.size - 5));

		const beyond = await fetch(url, { headers: { range: `bytes=${file.size}-` } });
		expect(beyond.status).toBe(416);
		expect(beyond.headers.get('content-range')).toBe(`bytes */${file.size}`);

		for (const bad of ['XYZ', file.sha256.toUpperCase(), file.sha256.slice(0, 63), '..%2F..%2Fapi-token']) {
			const res = await fetch(`${hub.url}/blobs/${bad}`);
			expect(res.status, bad).toBe(404);
			expect((await res.json()).error, bad).toMatch(/sha256/);
		}
		const unknown = await fetch(`${hub.url}/blobs/${'0'.repeat(64)}`);
		expect(unknown.status).toBe(404);
		expect((await unknown.json()).error).toMatch(/no file with sha256/);
	});

	it('imports a sentence-transformers model folder with the token, and refuses bad imports', async () => {
		const dir = path.join(scratch, 'st-model');
		await writeModelFolder(dir, { layout: 'sentence-transformers', size: 'demo', seed: 7 });
		const importModel = (body: unknown, headers?: HeadersInit) => api(hub, '/api/models', { method: 'POST', headers, json: body });

		const anonymous = await fetch(`${hub.url}/api/models`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ path: dir, id: 'st-demo' })
		});
		expect(anonymous.status).toBe(401);
		expect((await anonymous.json()).error).toMatch(/missing API token/);
		expect((await importModel({ path: dir, id: 'st-demo' }, { authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(401);

		const broken = path.join(scratch, 'broken-model');
		await writeModelFolder(broken, { layout: 'sentence-transformers', size: 'demo', seed: 7 });
		await rm(path.join(broken, 'tokenizer.json'));
		const empty = path.join(scratch, 'empty-model');
		await mkdir(empty);
		for (const [body, message] of [
			[{ path: broken, id: 'broken' }, /tokenizer\.json/],
			[{ path: empty, id: 'empty' }, /missing required file/],
			[{ path: path.join(scratch, 'nowhere'), id: 'nowhere' }, /does not exist/],
			[{ path: dir, id: 'bad id!' }, /invalid model id "bad id!"/],
			[{ path: dir, id: '../escape' }, /invalid model id/],
			[{ path: dir }, /id: /],
			[{ path: dir, id: 'x', task_type: 'dance' }, /task_type/],
			[{ path: dir, id: 'x', extra: 1 }, /Unrecognized key: "extra"/]
		] as const) {
			const res = await importModel(body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect((await res.json()).error, JSON.stringify(body)).toMatch(message);
		}
		// Only the demo models: no refused import left anything behind.
		expect((await models()).map((m) => m.id).sort()).toEqual([
			'demo-classifier',
			'demo-embedding',
			'demo-image-classifier',
			'demo-text-generation'
		]);

		const res = await importModel({ path: dir, id: 'st-demo' });
		const created = await res.json();
		expect(res.status, JSON.stringify(created)).toBe(201);
		expect(created).toMatchObject({
			id: 'st-demo',
			task_types: ['embedding'],
			embedding: { pooling: 'mean', normalize: true, dimensions: 64 }
		});
		const listed = (await models()).find((m) => m.id === 'st-demo');
		expect(listed).toMatchObject({ id: 'st-demo', task_types: ['embedding'], source: 'import', embedding: { pooling: 'mean' } });
		expect(listed!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['onnx/model.onnx', 'modules.json', '1_Pooling/config.json']));
		const one = await fetch(`${hub.url}/api/models/st-demo`);
		expect(one.status).toBe(200);
		expect((await one.json()).id).toBe('st-demo');
	});
});

describe('AI job submissions and image uploads', () => {
	const upload = (body: Uint8Array, type: string, token = hub.token) =>
		api({ ...hub, token }, '/api/images', { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': type } });

	it('stores PNG and JPEG uploads by content, and refuses other bytes, oversized images and missing tokens', async () => {
		const png = makePng(40, 30, 1);
		const first = await upload(png, 'image/png');
		expect(first.status).toBe(201);
		const [stored] = (await first.json()).images;
		expect(stored).toMatchObject({ type: 'image/png', width: 40, height: 30, size: png.byteLength, ref: `sha256:${stored.sha256}` });
		expect(stored.sha256).toBe(createHash('sha256').update(png).digest('hex'));
		// The type is read from the bytes, whatever the header says; the same image twice is stored once.
		const again = await upload(png, 'image/jpeg');
		expect((await again.json()).images[0]).toMatchObject({ sha256: stored.sha256, type: 'image/png' });
		const form = new FormData();
		form.append('file', new Blob([makeJpeg(20, 20, 2) as Uint8Array<ArrayBuffer>]), 'a.jpg');
		form.append('file', new Blob([png as Uint8Array<ArrayBuffer>]), 'b.png');
		const multi = await api(hub, '/api/images', { method: 'POST', body: form });
		expect((await multi.json()).images.map((i: { type: string }) => i.type)).toEqual(['image/jpeg', 'image/png']);

		for (const [res, status, message] of [
			[await upload(new TextEncoder().encode('GIF89a not really'), 'image/gif'), 400, /only PNG and JPEG/],
			[await upload(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3), 'image/png'), 400, /cannot be decoded/],
			// 200×200 of one colour: small on disk, over the pixel limit.
			[
				await upload(encodePng({ width: 200, height: 200, data: new Uint8Array(200 * 200 * 4), channels: 4, depth: 8 }), 'image/png'),
				400,
				/over 10000 pixels/
			],
			[await upload(new Uint8Array(30_000), 'image/png'), 413, /larger than 20000 bytes/],
			[await upload(png, 'text/plain'), 415, /multipart\/form-data/],
			[await upload(png, 'image/png', 'exo_wrong_token_0000000000'), 401, /invalid API token/]
		] as const) {
			expect(res.status).toBe(status);
			expect((await res.json()).error).toMatch(message);
		}
	});

	it('checks params per task type and image references at submission, storing nothing when refused', async () => {
		const before = await jobCount();
		const png = (await (await upload(makePng(10, 10, 4), 'image/png')).json()).images[0];
		const model = (await (await api(hub, '/api/models/demo-embedding')).json()) as { files: { sha256: string }[] };
		for (const [body, message] of [
			[{ task_type: 'text_generation', model: 'demo-text-generation', input: 'hi', params: { max_tokens: 0 } }, /params.max_tokens/],
			[{ task_type: 'text_generation', model: 'demo-text-generation', input: 'hi', params: { temprature: 1 } }, /params.*temprature/],
			[{ task_type: 'text_generation', model: 'demo-text-generation', input: 'hi', params: { stop: ['a', ''] } }, /params.stop/],
			[{ task_type: 'text_generation', model: 'demo-embedding', input: 'hi' }, /does not do text_generation/],
			[{ task_type: 'embedding', model: 'demo-embedding', input: 'hi', params: { variant: 'q8' } }, /has no q8 variant/],
			[{ task_type: 'image_classification', model: 'demo-image-classifier', input: ['a cat'] }, /must name an uploaded image/],
			[
				{ task_type: 'image_classification', model: 'demo-image-classifier', input: [`sha256:${'0'.repeat(64)}`] },
				/no image with sha256 0{64}/
			],
			// A model file is in the same store, but it is not an image.
			[{ task_type: 'image_classification', model: 'demo-image-classifier', input: [model.files[0].sha256] }, /no image with sha256/],
			[{ task_type: 'classification', model: 'demo-classifier', input: 'x', params: { top_k: -1 } }, /params.top_k/]
		] as const) {
			const res = await api(hub, '/api/jobs', { method: 'POST', json: body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect((await res.json()).error, JSON.stringify(body)).toMatch(message);
		}
		expect(await jobCount()).toBe(before);
		// A sampling job without a seed gets one, stored with the defaults, so its replicas draw alike.
		const id = await submit({ task_type: 'text_generation', model: 'demo-text-generation', input: 'hi', params: { temperature: 0.7 } });
		const images = await submit({ task_type: 'image_classification', model: 'demo-image-classifier', input: [png.ref, png.sha256] });
		expect(id).toMatch(UUID);
		expect(images).toMatch(UUID);
		await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
		await api(hub, `/api/jobs/${images}/cancel`, { method: 'POST' });
	});
});

describe('a job computed by a headless volunteer', () => {
	const INPUTS = Array.from({ length: 30 }, (_, i) =>
		i === 7
			? 'Hello, "world" — with a comma and quotes'
			: `Sentence number ${i}: volunteers compute embeddings ${'again '.repeat(i % 5)}`.trim()
	);

	it('runs to completion with every result equal to the reference computation, in input order', async () => {
		const id = await submit(submission(INPUTS));
		const expected = await referenceEmbeddings(hub.url, 'demo-embedding', INPUTS);

		let volunteerId = '';
		const volunteer = startHeadlessVolunteer({ hubUrl: hub.url, onIdentity: (_, v) => (volunteerId = v), threads: 1 });
		let stopped = false;
		try {
			// While connected, the seed's node list shows it, ready.
			const node = await waitFor('the volunteer in /nodes/ai-readiness', async () => {
				if (!volunteerId) return null;
				const nodes = (await (await api(hub, '/nodes/ai-readiness')).json()) as Record<string, unknown>[];
				return nodes.find((n) => n.node_id === volunteerId);
			});
			expect(node).toMatchObject({ node_id: volunteerId, ready_for_ai: true, backend: 'native', agent: 'node' });
			expect(typeof node.readiness_score).toBe('number');
			expect(node.readiness_score as number).toBeGreaterThanOrEqual(60);
			expect(node.readiness_score as number).toBeLessThanOrEqual(100);
			const apiNodes = (await (await api(hub, '/api/nodes')).json()) as { node_id: string }[];
			expect(apiNodes.map((n) => n.node_id)).toContain(volunteerId);

			const done = await waitFor('the job to complete', async () => {
				const s = await status(id);
				if (s.status === 'failed' || s.status === 'cancelled') throw new Error(`job ended ${s.status}: ${JSON.stringify(s)}`);
				return s.status === 'completed' ? s : null;
			});
			expect(done).toMatchObject({
				job_id: id,
				status: 'completed',
				progress: { done: 30, total: 30 },
				tasks: { total: 4, done: 4, queued: 0, leased: 0, dead: 0, cancelled: 0 },
				error: null
			});
			expect(done.started_at).not.toBeNull();
			expect(done.finished_at).not.toBeNull();
			const result = done.result as number[][];
			expect(result).toHaveLength(30);
			for (const [i, vector] of result.entries()) {
				expect(vector, `input ${i}`).toHaveLength(64);
				const worst = Math.max(...vector.map((v, k) => Math.abs(v - expected[i][k])));
				expect(worst, `input ${i}`).toBeLessThan(1e-5);
			}
			// The alias answers the same.
			expect((await (await api(hub, `/tasks/${id}/status`)).json()).result).toEqual(result);

			const jsonl = await api(hub, `/api/jobs/${id}/results?format=jsonl`);
			expect(jsonl.status).toBe(200);
			expect(jsonl.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
			const lines = (await jsonl.text())
				.trimEnd()
				.split('\n')
				.map((l) => JSON.parse(l));
			expect(lines).toHaveLength(30);
			lines.forEach((line, i) => expect(line).toEqual({ index: i, input: INPUTS[i], output: result[i] }));

			const csv = await api(hub, `/api/jobs/${id}/results?format=csv`);
			expect(csv.status).toBe(200);
			expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
			const rows = (await csv.text()).trimEnd().split('\n');
			expect(rows).toHaveLength(31);
			expect(rows[0]).toBe('index,input,output');
			expect(rows[1]).toBe(`0,${INPUTS[0]},"${JSON.stringify(result[0])}"`);
			expect(rows[8]).toBe(`7,"Hello, ""world"" — with a comma and quotes","${JSON.stringify(result[7])}"`);
			rows.slice(1).forEach((row, i) => expect(row.startsWith(`${i},`)).toBe(true));
			const badFormat = await api(hub, `/api/jobs/${id}/results?format=xml`);
			expect(badFormat.status).toBe(400);
			expect((await badFormat.json()).error).toMatch(/jsonl or csv/);

			const tasks = (await (await api(hub, `/api/jobs/${id}/tasks`)).json()) as Record<string, unknown>[];
			expect(tasks).toHaveLength(4);
			tasks.forEach((t, seq) =>
				expect(t).toMatchObject({
					seq,
					state: 'done',
					first_input: seq * 8,
					inputs: seq < 3 ? 8 : 6,
					volunteer_id: volunteerId,
					backend: 'native',
					failures: 0
				})
			);

			// Credit: every accepted chunk credited to its volunteer, inputs × the model's credit per input.
			const perInput = (await models()).find((m) => m.id === 'demo-embedding')!.credit_per_input as number;
			expect(perInput).toBe(1);
			// (It also computed jobs earlier tests left queued, so compare with its own totals.)
			const record = await (await fetch(`${hub.url}/api/volunteers/${volunteerId}`)).json();
			expect(record).toMatchObject({ volunteer_id: volunteerId, invalid_results: 0 });
			expect(record.inputs_done).toBeGreaterThanOrEqual(30);
			expect(record.credit).toBe(record.inputs_done * perInput);
			expect(record.valid_results).toBe(record.tasks_done);
			const ranking = await (await fetch(`${hub.url}/api/volunteers?window=24h`)).json();
			expect(ranking[0]).toMatchObject({ rank: 1, volunteer_id: volunteerId, credit: record.credit, results: record.tasks_done });
			expect((await fetch(`${hub.url}/api/volunteers?window=1y`)).status).toBe(400);
			expect((await fetch(`${hub.url}/api/volunteers/nobody`)).status).toBe(404);

			// A finished job cannot be cancelled.
			const late = await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
			expect(late.status).toBe(409);
			expect((await late.json()).error).toMatch(/already completed/);

			await volunteer.stop();
			stopped = true;
			await waitFor(
				'the volunteer to leave /nodes/ai-readiness',
				async () => {
					const nodes = (await (await api(hub, '/nodes/ai-readiness')).json()) as { node_id: string }[];
					return !nodes.some((n) => n.node_id === volunteerId);
				},
				1000
			);
		} finally {
			if (!stopped) await volunteer.stop();
		}
	});

	it('cancels a queued job once, and only with the token', async () => {
		const id = await submit(submission(['never computed', 'nor this']));
		const anonymous = await fetch(`${hub.url}/api/jobs/${id}/cancel`, { method: 'POST' });
		expect(anonymous.status).toBe(401);
		expect((await status(id)).status).toBe('queued');

		const res = await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ job_id: id, status: 'cancelled' });
		expect(await status(id)).toMatchObject({ status: 'cancelled', result: null, tasks: { queued: 0, leased: 0 } });
		expect((await (await api(hub, `/api/jobs/${id}/tasks`)).json()).map((t: { state: string }) => t.state)).toEqual(['cancelled']);

		const again = await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
		expect(again.status).toBe(409);
		expect((await again.json()).error).toMatch(/already cancelled/);
		const missing = await api(hub, '/api/jobs/00000000-0000-4000-8000-000000000000/cancel', { method: 'POST' });
		expect(missing.status).toBe(404);
	});
});

describe('the volunteer socket', () => {
	const sockets: Socket[] = [];
	afterAll(() => sockets.forEach((s) => s.close()));

	const paused = { identity: null, capabilities: nodeCapabilities(), mode: 'paused', readiness: { score: 90, ready: true } };

	function connect(extraHeaders?: Record<string, string>, auth: object = paused): Socket {
		const s = io(`${hub.url}/volunteer`, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders, auth });
		sockets.push(s);
		return s;
	}

	const connected = (s: Socket) =>
		new Promise<void>((resolve, reject) => {
			s.once('connect', () => resolve());
			s.once('connect_error', reject);
		});

	it('refuses an invalid handshake, then validates every payload', async () => {
		const garbage = connect(undefined, { identity: 42, capabilities: 'fast', mode: 'turbo' });
		const refused = (await connected(garbage).catch((e: Error & { data?: unknown }) => e)) as Error & { data?: unknown };
		expect(refused.data).toEqual({ code: 'invalid' });
		expect(refused.message).toMatch(/identity/);
		expect(refused.message).toMatch(/capabilities/);
		expect(refused.message).toMatch(/mode/);
		expect(garbage.connected).toBe(false);

		const s = connect();
		const welcome = new Promise((resolve) => s.once('welcome', resolve));
		await connected(s);
		expect(await welcome).toMatchObject({ volunteerId: expect.any(String), identity: expect.any(String), sessionId: s.id });
		const ask = (event: string, payload: unknown) => s.timeout(5000).emitWithAck(event, payload);

		// A forged result for a task this volunteer never leased changes nothing.
		expect(
			await ask('task:result', { taskId: 1, leaseToken: crypto.randomUUID(), backend: 'native', durationMs: 1, outputs: [[0.1]] })
		).toMatchObject({
			ok: false,
			code: 'stale_lease'
		});
		expect(await ask('task:progress', { taskId: 1, leaseToken: crypto.randomUUID(), done: 1 })).toMatchObject({
			ok: false,
			code: 'stale_lease'
		});
		expect(await ask('task:release', { taskId: 1, leaseToken: crypto.randomUUID() })).toMatchObject({ ok: false, code: 'stale_lease' });
		expect(await ask('task:fail', { taskId: 1, leaseToken: crypto.randomUUID(), error: 'nope' })).toMatchObject({
			ok: false,
			code: 'stale_lease'
		});

		const notUuid = await ask('task:result', { taskId: 1, leaseToken: 'not-a-uuid', backend: 'native', durationMs: 1, outputs: [] });
		expect(notUuid).toMatchObject({ ok: false, code: 'invalid' });
		expect(notUuid.error).toMatch(/leaseToken/);
		const badBackend = await ask('task:result', {
			taskId: -1,
			leaseToken: crypto.randomUUID(),
			backend: 'quantum',
			durationMs: 1,
			outputs: []
		});
		expect(badBackend).toMatchObject({ ok: false, code: 'invalid' });
		expect(badBackend.error).toMatch(/taskId/);
		expect(badBackend.error).toMatch(/backend/);
		expect(await ask('task:request', { slots: 1000 })).toMatchObject({ ok: false, code: 'invalid' });
		expect(await ask('status', { mode: 'always', readiness: { score: 900, ready: true } })).toMatchObject({ ok: false, code: 'invalid' });

		// Paused, as its handshake said: asking for work gets none.
		expect(await ask('task:request', { slots: 4 })).toEqual({ ok: true, tasks: [] });
		expect(s.connected).toBe(true);
	});

	it('refuses a handshake from a foreign page origin, and lets the hub own origin through', async () => {
		const evil = connect({ origin: 'http://evil.example' });
		await expect(connected(evil)).rejects.toThrow();
		expect(evil.connected).toBe(false);

		const own = connect({ origin: hub.url });
		await connected(own);
		expect(own.connected).toBe(true);

		const health = await fetch(`${hub.url}/api/health`);
		expect(health.status).toBe(200);
		expect(hub.child.exitCode).toBeNull();
	});
});
