/**
 * The Socket.IO layer in-process: a real hub (PGlite and PostgreSQL), a real HTTP server with
 * Socket.IO attached, real socket.io-client connections, and a headless volunteer computing with
 * onnxruntime-node. No SvelteKit: submissions go straight to the scheduler.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { jobs } from '../db/schema';
import { cancelJob } from '../scheduler/cancel-job';
import { createServer, type Server as HttpServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../config';
import { startHub, type Hub } from '../hub';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import { attachRealtime } from './attach';
import { submitJob } from '../scheduler/submit-job';
import { getJobStatus } from '../scheduler/job-status';
import { startHeadlessVolunteer, nodeCapabilities, serverReadiness } from '../../headless/headless-volunteer';
import type { JobUpdate } from '../../protocol/jobs';
import { RESERVE_LEASES, VOLUNTEER_NAMESPACE, type JobText } from '../../protocol/events';
import * as ortNode from 'onnxruntime-node';
import { TaskRunner } from '../../executor/task-runner';
import type { OrtRuntime } from '../../executor/ort-runtime';
import { WorkLoop } from '../../volunteer/work-loop';
import type { VolunteerSocket } from '../../volunteer/volunteer-socket';
import type { VolunteerMode } from '../../protocol/volunteer';
import type { GenerationOutput } from '../../protocol/generation';
import { listJobTasks } from '../scheduler/list-jobs';
import { writeFolder } from '../../demo-models/write-model-folder';
import { buildMlcTestFolder } from '../../demo-models/mlc-folder';
import { importModelFolder } from '../models/import-model';
import type { ModelFile } from '../../protocol/models';
import { sha256Hex } from '../../executor/model-files';

type AnySocket = Socket;

describe.each(TEST_DB_KINDS)('realtime on %s', (kind) => {
	let hub: Hub;
	let http: HttpServer;
	let url: string;
	const sockets: AnySocket[] = [];

	beforeAll(async () => {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'exostack-rt-'));
		const config = loadConfig({ EXOSTACK_DATA_DIR: dataDir, EXOSTACK_SWEEP_SECONDS: '1', EXOSTACK_RETRY_BACKOFF_MS: '0' });
		hub = await startHub(config, { database: await openTestDatabase(kind) });
		http = createServer();
		attachRealtime(hub, http);
		await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
		url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
	});
	// Each test starts from an empty queue: tasks a test leaves behind must not be leased by the next.
	afterEach(async () => {
		const open = await hub.db
			.select({ id: jobs.id })
			.from(jobs)
			.where(inArray(jobs.status, ['queued', 'running']));
		for (const { id } of open) await cancelJob(hub.db, id);
	});
	afterAll(async () => {
		for (const s of sockets) s.close();
		http.closeAllConnections();
		await new Promise((r) => http.close(r));
		await hub.stop();
	});

	function socket(ns: '/volunteer' | '/dashboard'): AnySocket {
		const s = connect(`${url}${ns}`, { transports: ['websocket'], forceNew: true });
		sockets.push(s);
		return s;
	}

	async function hello(s: AnySocket, identity: string | null = null) {
		return s.timeout(5000).emitWithAck('hello', {
			identity,
			capabilities: nodeCapabilities(),
			mode: 'always',
			readiness: { score: 90, ready: true }
		});
	}

	async function submit(
		inputs: string[],
		chunkSize: number,
		job: { task_type?: 'embedding' | 'text_generation'; model?: string; params?: Record<string, unknown> } = {}
	) {
		const outcome = await submitJob(
			hub.db,
			{
				task_type: 'embedding',
				model: 'demo-embedding',
				input: inputs,
				priority: 'normal',
				replication: 1,
				params: {},
				chunk_size: chunkSize,
				...job
			},
			8
		);
		if (!outcome.ok) throw new Error(outcome.error);
		hub.notify.workAvailable();
		return outcome.id;
	}

	it('refuses work before hello and invalid payloads, then keeps serving', async () => {
		const s = socket('/volunteer');
		expect(await s.timeout(5000).emitWithAck('task:request', { slots: 1 })).toMatchObject({ ok: false, code: 'unauthorized' });
		const bad = await s.timeout(5000).emitWithAck('hello', { identity: 42 });
		expect(bad).toMatchObject({ ok: false, code: 'invalid' });
		expect(bad.error).toMatch(/identity/);
		expect(await hello(s)).toMatchObject({ ok: true });
		expect(await s.timeout(5000).emitWithAck('task:request', { slots: 99 })).toMatchObject({ ok: false, code: 'invalid' });
		expect(
			await s
				.timeout(5000)
				.emitWithAck('task:result', { taskId: 1, leaseToken: crypto.randomUUID(), backend: 'native', durationMs: 1, outputs: [] })
		).toMatchObject({
			ok: false,
			code: 'stale_lease'
		});
	});

	it('leases by the reported readiness: threshold, power tier and checkpoints of a yield', async () => {
		const signals = (over: Record<string, unknown> = {}) => ({
			score: 100,
			ready: true,
			idle: { state: 'idle', seconds: 1800, thresholdSeconds: 300, source: 'idle-detection' },
			power: { charging: false, level: 0.6 },
			batteryFloor: 0.2,
			pressure: 'nominal',
			...over
		});
		const s = socket('/volunteer');
		await s.timeout(5000).emitWithAck('hello', { identity: null, capabilities: nodeCapabilities(), mode: 'auto', readiness: signals() });
		const id = await submit(
			Array.from({ length: 12 }, (_, i) => `sentence ${i}`),
			2
		);
		// 60 % on battery: two tasks to run and one in reserve at most, however many are asked for.
		const first = await s.timeout(5000).emitWithAck('task:request', { slots: 2 });
		expect(first.tasks).toHaveLength(2);
		const reserve = await s.timeout(5000).emitWithAck('task:request', { slots: 5 });
		expect(reserve.tasks).toHaveLength(RESERVE_LEASES);
		expect((await s.timeout(5000).emitWithAck('task:request', { slots: 5 })).tasks).toHaveLength(0);
		for (const t of reserve.tasks) await s.timeout(5000).emitWithAck('task:release', { taskId: t.taskId, leaseToken: t.leaseToken });
		// The owner is back: the hub rescores (the score sent is ignored) and leases nothing.
		const back = signals({ idle: { state: 'active', seconds: 0, thresholdSeconds: 300, source: 'idle-detection' } });
		expect(await s.timeout(5000).emitWithAck('status', { mode: 'auto', readiness: back })).toMatchObject({ ok: true });
		// The yield: the first task's finished input kept (shape-checked), the other task released, both at once.
		const [a, b] = first.tasks as { taskId: number; leaseToken: string; inputs: string[] }[];
		const dims = (await hub.models.get(['demo-embedding'])).get('demo-embedding')!.embedding!.dimensions;
		const vector = Array.from({ length: dims }, () => 0.1);
		const checkpoint = (outputs: unknown[]) =>
			s.timeout(5000).emitWithAck('task:checkpoint', { taskId: a.taskId, leaseToken: a.leaseToken, outputs });
		expect(await checkpoint([vector, vector])).toMatchObject({ ok: false, code: 'invalid' });
		expect(await checkpoint([[1]])).toMatchObject({ ok: false, code: 'invalid' });
		expect(await checkpoint([vector])).toEqual({ ok: true, kept: 1 });
		expect(await s.timeout(5000).emitWithAck('task:release', { taskId: b.taskId, leaseToken: b.leaseToken })).toMatchObject({ ok: true });
		expect((await listJobTasks(hub.db, id)).filter((t) => t.state === 'leased')).toHaveLength(0);
		expect((await s.timeout(5000).emitWithAck('task:request', { slots: 5 })).tasks).toHaveLength(0);
		// Away again: the kept task comes back with only the input left to compute.
		await s.timeout(5000).emitWithAck('status', { mode: 'auto', readiness: signals() });
		const again = (await s.timeout(5000).emitWithAck('task:request', { slots: 2 })).tasks as { taskId: number }[];
		expect(again).toHaveLength(2);
		expect(again.find((t) => t.taskId === a.taskId)).toMatchObject({ resumeAt: 1, inputs: [a.inputs[1]] });
	});

	it('issues a signed identity, recognises it, and refuses a forged one', async () => {
		const first = await hello(socket('/volunteer'));
		const again = await hello(socket('/volunteer'), first.identity);
		expect(again.volunteerId).toBe(first.volunteerId);
		// The credit comes back with the identity (a browser restart shows it; the PWA end-to-end test has one earn it).
		expect(first.credit).toEqual({ tasksDone: 0, inputsDone: 0 });
		expect(again.credit).toEqual({ tasksDone: 0, inputsDone: 0 });
		const forged = await hello(socket('/volunteer'), `${first.volunteerId}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
		expect(forged.volunteerId).not.toBe(first.volunteerId);
	});

	it('re-leases a disconnected volunteer’s task to another within a second', async () => {
		const jobId = await submit(['one', 'two'], 2);
		const a = socket('/volunteer');
		const b = socket('/volunteer');
		await hello(a);
		await hello(b);
		const [taken] = (await a.timeout(5000).emitWithAck('task:request', { slots: 1 })).tasks;
		expect(taken.jobId).toBe(jobId);
		expect((await b.timeout(5000).emitWithAck('task:request', { slots: 1 })).tasks).toHaveLength(0);
		const nudged = new Promise<void>((r) => b.once('work:available', () => r()));
		const t0 = performance.now();
		a.disconnect();
		await nudged;
		const [again] = (await b.timeout(5000).emitWithAck('task:request', { slots: 1 })).tasks;
		const elapsed = performance.now() - t0;
		expect(again.taskId).toBe(taken.taskId);
		expect(again.leaseToken).not.toBe(taken.leaseToken);
		expect(elapsed).toBeLessThan(1000);
		b.disconnect();
	});

	it('expires the lease of a volunteer that stays connected but silent', async () => {
		hub.config.leaseMs = 300;
		try {
			const jobId = await submit(['silent'], 1);
			const s = socket('/volunteer');
			await hello(s);
			const [t] = (await s.timeout(5000).emitWithAck('task:request', { slots: 1 })).tasks;
			expect(t.jobId).toBe(jobId);
			await new Promise((r) => setTimeout(r, 2500)); // lease 0.3 s + one 1 s sweep, with slack
			const again = await s.timeout(5000).emitWithAck('task:request', { slots: 1 });
			expect(again.tasks.map((x: { taskId: number }) => x.taskId)).toContain(t.taskId);
			s.disconnect();
		} finally {
			hub.config.leaseMs = 60_000;
		}
	});

	// This hub has no HTTP routes (no SvelteKit), so volunteers read model files from the blob store,
	// verified against their sha256 like any download.
	const blobFiles = () => ({
		async read(file: ModelFile) {
			const bytes = new Uint8Array(await readFile(hub.blobs.path(file.sha256)!));
			expect(await sha256Hex(bytes)).toBe(file.sha256);
			return bytes;
		}
	});

	it('streams generated text to a watching dashboard as a headless volunteer makes it, then accepts the completions', async () => {
		const prompts = ['Hello world, this is', 'The quick brown fox', 'Once upon a time'];
		const jobId = await submit(prompts, 2, { task_type: 'text_generation', model: 'demo-text-generation', params: { max_tokens: 24 } });
		const dash = socket('/dashboard');
		const texts: JobText[] = [];
		const updates: JobUpdate[] = [];
		let textsBeforeCompletion = -1;
		dash.on('job:text', (t: JobText) => texts.push(t));
		dash.on('job:update', (u: JobUpdate) => {
			updates.push(u);
			if (u.status === 'completed') textsBeforeCompletion = texts.length;
		});
		await dash.timeout(5000).emitWithAck('job:watch', { jobId });
		const volunteer = startHeadlessVolunteer({ hubUrl: url, threads: 1, files: blobFiles() });
		try {
			await expect.poll(() => updates.at(-1)?.status, { timeout: 30_000, interval: 100 }).toBe('completed');
		} finally {
			await volunteer.stop();
		}
		const result = (await getJobStatus(hub.db, jobId))!.result as GenerationOutput[];
		expect(result).toHaveLength(3);
		for (const [index, out] of result.entries()) {
			expect(out.tokens).toHaveLength(24);
			expect(out.finish_reason).toBe('length');
			// Every piece arrived in order, from offset 0, and together they are the accepted completion.
			const pieces = texts.filter((t) => t.index === index);
			expect(pieces.length).toBeGreaterThan(0);
			expect(pieces.map((p) => p.offset)).toEqual(pieces.map((_, k) => pieces.slice(0, k).reduce((n, p) => n + p.text.length, 0)));
			expect(pieces.map((p) => p.text).join('')).toBe(out.text);
		}
		expect(texts.every((t) => t.jobId === jobId && /^[0-9a-f]{12}$/.test(t.stream))).toBe(true);
		// The text came live, before the job's completion, not read back from the results.
		expect(textsBeforeCompletion).toBe(texts.length);
		// Native onnxruntime prefers full precision, recorded with the result.
		expect(new Set((await listJobTasks(hub.db, jobId)).map((t) => t.backend))).toEqual(new Set(['native']));
	});

	it('drops text for a lease the connection does not hold, and refuses a malformed completion', async () => {
		const jobId = await submit(['Hello'], 1, { task_type: 'text_generation', model: 'demo-text-generation', params: { max_tokens: 4 } });
		const dash = socket('/dashboard');
		const texts: JobText[] = [];
		dash.on('job:text', (t: JobText) => texts.push(t));
		await dash.timeout(5000).emitWithAck('job:watch', { jobId });
		const s = socket('/volunteer');
		await hello(s);
		const [t] = (await s.timeout(5000).emitWithAck('task:request', { slots: 1 })).tasks;
		s.emit('task:text', { taskId: t.taskId, leaseToken: crypto.randomUUID(), index: 0, offset: 0, text: 'forged' });
		s.emit('task:text', { taskId: t.taskId, leaseToken: t.leaseToken, index: 0, offset: 0, text: 'real' });
		s.emit('task:text', { taskId: t.taskId, leaseToken: t.leaseToken, index: 0, offset: 99, text: 'gap' });
		await expect.poll(() => texts.map((x) => x.text), { timeout: 5000 }).toEqual(['real']);
		const bad = await s
			.timeout(5000)
			.emitWithAck('task:result', { taskId: t.taskId, leaseToken: t.leaseToken, backend: 'native', durationMs: 1, outputs: [{ text: 1 }] });
		expect(bad).toMatchObject({ ok: false, code: 'rejected_output' });
		expect(bad.error).toMatch(/output 0 is not a completion/);
		s.disconnect();
	});

	it('leases a WebLLM model only to a browser whose WebGPU adapter meets its requirements', async () => {
		// A claim before the import primes the hub's list of WebLLM models without this one, as when another
		// hub process imports it: the claims below then see it only after leasing, and must give it back.
		const primer = socket('/volunteer');
		await hello(primer);
		expect((await primer.timeout(5000).emitWithAck('task:request', { slots: 1 })).tasks).toEqual([]);
		const dir = mkdtempSync(path.join(tmpdir(), 'exostack-mlc-'));
		await writeFolder(dir, buildMlcTestFolder({ quantization: 'q4f16_1', tensorBytes: 4096 }));
		await importModelFolder(hub.db, hub.blobs, dir, { id: 'test/mlc-f16' });
		const jobId = await submit(['Hi'], 1, { task_type: 'text_generation', model: 'test/mlc-f16', params: {} });
		const webgpu = { vendor: 'test', architecture: '', maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 28 };
		const browser = (features: string[]) => ({
			...nodeCapabilities(),
			agent: 'browser' as const,
			backend: 'webgpu' as const,
			webgpu: { ...webgpu, features }
		});
		const ask = async (capabilities: ReturnType<typeof nodeCapabilities>) => {
			const s = socket('/volunteer');
			await s.timeout(5000).emitWithAck('hello', { identity: null, capabilities, mode: 'always', readiness: { score: 90, ready: true } });
			return { s, tasks: (await s.timeout(5000).emitWithAck('task:request', { slots: 4 })).tasks as { jobId: string }[] };
		};
		// The headless volunteer (no WebGPU) and a GPU without shader-f16 get nothing; one with it gets the task.
		expect((await ask(nodeCapabilities())).tasks).toHaveLength(0);
		expect((await listJobTasks(hub.db, jobId))[0]).toMatchObject({ state: 'queued' });
		expect((await ask(browser(['timestamp-query']))).tasks).toHaveLength(0);
		const small = await ask({ ...browser(['shader-f16']), webgpu: { ...browser(['shader-f16']).webgpu, maxBufferSize: 2 ** 20 } });
		expect(small.tasks).toHaveLength(0);
		const able = await ask(browser(['shader-f16']));
		expect(able.tasks.map((t) => t.jobId)).toEqual([jobId]);
		able.s.disconnect();
	});

	it('holds the next task in reserve while the last slice runs, starts it at once, and gives it back on pause', async () => {
		const jobId = await submit(
			Array.from({ length: 48 }, (_, i) => `sentence number ${i} about the weather`),
			16
		);
		const states = async () => (await listJobTasks(hub.db, jobId)).map((t) => t.state);
		const leased = async () => (await states()).filter((s) => s === 'leased').length;
		// The volunteer's own loop and runner on onnxruntime-node; the test only holds each finished task
		// back (its outputs already computed) until it says so, standing in for a slow last slice.
		const runner = new TaskRunner(ortNode as unknown as OrtRuntime, blobFiles(), { intraOpNumThreads: 1 });
		const gate = () => {
			let open!: () => void;
			return { promise: new Promise<void>((r) => (open = r)), resolve: () => open() };
		};
		let hold = gate();
		let mode: VolunteerMode = 'always';
		const started: number[] = [];
		const s = connect(new URL(VOLUNTEER_NAMESPACE, url).href, { transports: ['websocket'], autoConnect: false }) as VolunteerSocket;
		sockets.push(s as AnySocket);
		const loop = new WorkLoop(
			s,
			{
				backend: 'native',
				async run(task, hooks, signal) {
					const out = await runner.run(task, { ...hooks, signal });
					await Promise.race([
						hold.promise,
						new Promise((_, reject) => signal.addEventListener('abort', () => reject(new DOMException('stopped', 'AbortError'))))
					]);
					return { ...out, durationMs: 1 };
				}
			},
			{
				hello: async () => ({ identity: null, capabilities: nodeCapabilities(), mode, readiness: serverReadiness(mode) }),
				saveIdentity() {},
				readiness: () => serverReadiness(mode),
				mode: () => mode,
				maxTasks: () => 1
			},
			{ taskStarted: (lease) => started.push(lease.taskId) }
		);
		loop.start();
		try {
			// One task running (its last slice done, held), the next one leased beside it, no more.
			await expect.poll(leased, { timeout: 10_000, interval: 20 }).toBe(1 + RESERVE_LEASES);
			await new Promise((r) => setTimeout(r, 300));
			expect(await leased()).toBe(1 + RESERVE_LEASES);
			expect(started).toHaveLength(1);
			// Released: the reserved task starts at once, and in turn reserves the third.
			hold.resolve();
			hold = gate();
			await expect.poll(() => started.length, { timeout: 5000, interval: 10 }).toBe(2);
			await expect.poll(async () => (await states()).join(), { timeout: 5000, interval: 20 }).toBe('done,leased,leased');
			// Paused: the running task and the reserved one both go back now, not at their expiry.
			mode = 'paused';
			loop.statusChanged();
			await expect.poll(leased, { timeout: 1000, interval: 20 }).toBe(0);
			mode = 'always';
			hold.resolve();
			loop.statusChanged();
			await expect.poll(async () => (await getJobStatus(hub.db, jobId))?.status, { timeout: 20_000, interval: 100 }).toBe('completed');
		} finally {
			loop.stop();
			s.close();
			await runner.release();
		}
		const vectors = (await getJobStatus(hub.db, jobId))!.result as number[][];
		expect(vectors).toHaveLength(48);
		for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 4);
	});

	it('runs a job through a headless volunteer and streams progress to a dashboard', async () => {
		const inputs = Array.from({ length: 24 }, (_, i) => `sentence number ${i} about the quick brown fox`);
		const jobId = await submit(inputs, 4);
		const dash = socket('/dashboard');
		const updates: JobUpdate[] = [];
		dash.on('job:update', (u: JobUpdate) => updates.push(u));
		await dash.timeout(5000).emitWithAck('job:watch', { jobId });
		const volunteer = startHeadlessVolunteer({ hubUrl: url, threads: 1, files: blobFiles() });
		try {
			await expect.poll(() => updates.at(-1)?.status, { timeout: 30_000, interval: 100 }).toBe('completed');
		} finally {
			await volunteer.stop();
		}
		expect(updates.at(-1)?.progress).toEqual({ done: 24, total: 24 });
		const status = await getJobStatus(hub.db, jobId);
		expect(status?.result).toHaveLength(24);
		for (const v of status!.result as number[][]) {
			expect(v).toHaveLength(64);
			expect(Math.hypot(...v)).toBeCloseTo(1, 4);
		}
	});
});
