import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { tasks } from '../db/schema';
import { DatabaseReach } from '../db/reach';
import { EXPIRED_UNREACHED } from '../scheduler/release-expired-leases';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hub } from '../hub';
import { TEST_DB_KINDS } from '../db/testing';
import { expireLeases } from '../scheduler/testing';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from './testing';
import { getJobStatus } from '../scheduler/job-status';
import { startHeadlessVolunteer, nodeCapabilities, serverReadiness } from '../../headless/headless-volunteer';
import type { JobUpdate, Submission } from '../../protocol/jobs';
import { RESERVE_LEASES, type JobText } from '../../protocol/events';
import * as ortNode from 'onnxruntime-node';
import { TaskRunner } from '../../executor/task-runner';
import type { OrtRuntime } from '../../executor/ort-runtime';
import { WorkLoop } from '../../volunteer/work-loop';
import type { VolunteerSocket } from '../../volunteer/volunteer-socket';
import type { Capabilities, Readiness, VolunteerMode } from '../../protocol/volunteer';
import type { VolunteerAuth } from '../../protocol/events';
import type { GenerationOutput } from '../../protocol/generation';
import { listJobTasks } from '../scheduler/list-jobs';
import { writeFolder } from '../../demo-models/write-model-folder';
import { buildMlcTestFolder } from '../../demo-models/mlc-folder';
import { importModelFolder } from '../models/import-model';
import { awayReport } from '../../readiness/testing';

describe.each(TEST_DB_KINDS)('realtime on %s', (kind) => {
	let testHub: TestHub;
	let hub: Hub;
	let url: string;

	beforeAll(async () => {
		testHub = await startTestHub({ kind, env: { EXOSTACK_RETRY_BACKOFF_MS: '0' } });
		({ hub, url } = testHub);
	});
	// Each test starts from an empty queue: tasks a test leaves behind must not be leased by the next.
	afterEach(async () => {
		await testHub.cancelOpenJobs();
	});
	afterAll(() => testHub?.stop());

	/** A volunteer connection that authenticates with `identity` (none: a new one) and these capabilities. */
	function volunteer(
		identity: string | null = null,
		capabilities: Capabilities = nodeCapabilities(),
		state: { mode: VolunteerMode; readiness: Readiness } = { mode: 'always', readiness: { score: 90, ready: true } }
	) {
		return testHub.volunteer({ auth: { identity, capabilities, ...state } });
	}

	/** The tasks a lease request brings; a refused request fails the test. */
	async function request(s: VolunteerSocket, slots: number) {
		return granted(await replyTo(s, 'task:request', { slots })).tasks;
	}

	function submit(inputs: string[], chunkSize: number, job: Partial<Submission> = {}) {
		return testHub.submit(inputs, { chunk_size: chunkSize, ...job });
	}

	it('refuses an invalid handshake and invalid payloads, then keeps serving', async () => {
		const bad = testHub.volunteer({ auth: { identity: 42 } as unknown as VolunteerAuth });
		await expect(welcomed(bad)).rejects.toMatchObject({ refusal: { code: 'invalid' }, message: expect.stringMatching(/identity/) });
		const s = volunteer();
		// The welcome says how long its leases last, so the volunteer renews well inside them.
		expect(await welcomed(s)).toMatchObject({ sessionId: s.id, leaseMs: hub.config.leaseMs });
		expect(await replyTo(s, 'task:request', { slots: 99 })).toMatchObject({ ok: false, code: 'invalid' });
		expect(
			await replyTo(s, 'task:result', {
				taskId: 1,
				leaseToken: crypto.randomUUID(),
				backend: 'native',
				variant: 'fp32',
				durationMs: 1,
				outputs: []
			})
		).toMatchObject({
			ok: false,
			code: 'stale_lease'
		});
	});

	it('leases by the reported readiness: threshold, power tier and checkpoints of a yield', async () => {
		// The owner away, on battery at 60 %.
		const signals = (over: Partial<Readiness> = {}) => awayReport({ power: { charging: false, level: 0.6 }, ...over });
		const s = volunteer(null, nodeCapabilities(), { mode: 'auto', readiness: signals() });
		await welcomed(s);
		const id = await submit(
			Array.from({ length: 12 }, (_, i) => `sentence ${i}`),
			2
		);
		// 60 % on battery: two tasks to run and one in reserve at most, however many are asked for.
		const first = await request(s, 2);
		expect(first).toHaveLength(2);
		const reserve = await request(s, 5);
		expect(reserve).toHaveLength(RESERVE_LEASES);
		expect(await request(s, 5)).toHaveLength(0);
		for (const t of reserve) granted(await replyTo(s, 'task:release', { taskId: t.taskId, leaseToken: t.leaseToken }));
		// The owner is back: the hub rescores (the score sent is ignored) and leases nothing.
		const back = signals({ idle: { state: 'active', seconds: 0, thresholdSeconds: 300, source: 'idle-detection' } });
		expect(await replyTo(s, 'status', { mode: 'auto', readiness: back })).toMatchObject({ ok: true });
		// The yield: the first task's finished input kept (shape-checked), the other task released, both at once.
		const [a, b] = first;
		const dims = (await hub.models.get(['demo-embedding'])).get('demo-embedding')!.embedding!.dimensions;
		const vector = Array.from({ length: dims }, () => 0.1);
		const checkpoint = (outputs: unknown[]) => replyTo(s, 'task:checkpoint', { taskId: a.taskId, leaseToken: a.leaseToken, outputs });
		expect(await checkpoint([vector, vector])).toMatchObject({ ok: false, code: 'invalid' });
		expect(await checkpoint([[1]])).toMatchObject({ ok: false, code: 'invalid' });
		expect(await checkpoint([vector])).toEqual({ ok: true, kept: 1 });
		expect(await replyTo(s, 'task:release', { taskId: b.taskId, leaseToken: b.leaseToken })).toMatchObject({ ok: true });
		expect((await listJobTasks(hub.db, id)).filter((t) => t.state === 'leased')).toHaveLength(0);
		expect(await request(s, 5)).toHaveLength(0);
		// Away again: the kept task comes back with only the input left to compute.
		granted(await replyTo(s, 'status', { mode: 'auto', readiness: signals() }));
		const again = await request(s, 2);
		expect(again).toHaveLength(2);
		expect(again.find((t) => t.taskId === a.taskId)).toMatchObject({ resumeAt: 1, inputs: [a.inputs[1]] });
	});

	it('issues a signed identity, recognises it, and refuses a forged one', async () => {
		const first = await welcomed(volunteer());
		const again = await welcomed(volunteer(first.identity));
		expect(again.volunteerId).toBe(first.volunteerId);
		// The credit comes back with the identity (a browser restart shows it; the PWA end-to-end test has one earn it).
		expect(first.credit).toEqual({ tasksDone: 0, inputsDone: 0 });
		expect(again.credit).toEqual({ tasksDone: 0, inputsDone: 0 });
		const forged = await welcomed(volunteer(`${first.volunteerId}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`));
		expect(forged.volunteerId).not.toBe(first.volunteerId);
	});

	it('re-leases a disconnected volunteer’s task to another within a second', async () => {
		const jobId = await submit(['one', 'two'], 2);
		const a = volunteer();
		const b = volunteer();
		// Both listen for their welcome from the start: awaited one after the other, b's could come while the
		// test waited for a's and be missed (five seconds, then 'no welcome'; seen with other files running).
		await Promise.all([welcomed(a), welcomed(b)]);
		const [taken] = await request(a, 1);
		expect(taken.jobId).toBe(jobId);
		// b asks as the work loop does: again at each nudge. The hub nudges a volunteer waiting for work once per
		// nudge (hungry-sessions.ts), and one for work an earlier test released may come first (work:available is
		// throttled): one ignored would leave b no longer waiting as far as the hub knows.
		const again = new Promise<{ task: typeof taken | undefined; at: number }>((resolve) =>
			b.on('work:available', async () => {
				const [task] = await request(b, 1);
				if (task) resolve({ task, at: performance.now() });
			})
		);
		expect(await request(b, 1)).toHaveLength(0);
		const t0 = performance.now();
		a.disconnect();
		const got = await Promise.race([again, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
		expect(got?.task?.taskId).toBe(taken.taskId);
		expect(got?.task?.leaseToken).not.toBe(taken.leaseToken);
		expect(got!.at - t0).toBeLessThan(1000);
		b.disconnect();
	});

	it('expires the lease of a volunteer that stays connected but silent', async () => {
		const jobId = await submit(['silent'], 1);
		const s = volunteer();
		await welcomed(s);
		const [t] = await request(s, 1);
		expect(t.jobId).toBe(jobId);
		const cancelled = new Promise<number[]>((r) => s.once('task:cancelled', ({ taskIds }) => r(taskIds)));
		// A sweep before the expiry leaves the lease alone; the one after it takes the task back and tells its holder.
		await hub.sweep();
		expect(await request(s, 1)).toEqual([]);
		await expireLeases(hub.db);
		await hub.sweep();
		expect(await cancelled).toEqual([t.taskId]);
		expect((await request(s, 1)).map((x) => x.taskId)).toEqual([t.taskId]);
		s.disconnect();
	});

	/**
	 * One task leased and let run out twice with `reach` as the hub's: the first expiry, after `before`
	 * sets the scene, goes back uncounted; the second, of a lease granted after the sweep, is charged to its holder.
	 */
	async function expireTwice(input: string, reach: DatabaseReach, before: (taskId: number) => Promise<unknown>) {
		await submit([input], 1);
		const s = volunteer();
		await welcomed(s);
		const [t] = await request(s, 1);
		const row = async () => (await hub.db.select().from(tasks).where(eq(tasks.id, t.taskId)))[0];
		const saved = hub.reach;
		hub.reach = reach;
		try {
			await before(t.taskId);
			await expireLeases(hub.db);
			await hub.sweep();
			expect(await row()).toMatchObject({ state: 'queued', failures: 0, failedBy: [], lastError: EXPIRED_UNREACHED });
			expect((await request(s, 1)).map((x) => x.taskId)).toEqual([t.taskId]);
			await expireLeases(hub.db);
			await hub.sweep();
			expect(await row()).toMatchObject({ state: 'queued', failures: 1, lastError: expect.stringMatching(/went silent/) });
		} finally {
			hub.reach = saved;
			s.disconnect();
		}
	}

	it('does not charge an expiry to its holder while the hub could not reach its database, and does again for a lease granted once it is back', async () => {
		const reach = new DatabaseReach();
		await expireTwice(
			'unreached',
			reach,
			// As a renewal's statement fails when the connection is cut (db/reach.spec.ts tells real ones apart).
			// The sweep finds the database back: the next lease, granted after that, is its holder's to keep.
			async () => reach.note(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }))
		);
	});

	it('does not charge the expiry of a lease granted before the hub process started and not renewed since; a later one it does', async () => {
		// This process "starts" now; the lease was granted a minute earlier, as by a hub that then crashed.
		await expireTwice('before the restart', new DatabaseReach(), (taskId) =>
			hub.db
				.update(tasks)
				.set({ leasedAt: sql`now() - interval '1 minute'` })
				.where(eq(tasks.id, taskId))
		);
	});

	it('streams generated text to a watching dashboard as a headless volunteer makes it, then accepts the completions', async () => {
		const prompts = ['Hello world, this is', 'The quick brown fox', 'Once upon a time'];
		const jobId = await submit(prompts, 2, { task_type: 'text_generation', model: 'demo-text-generation', params: { max_tokens: 24 } });
		const dash = testHub.dashboard();
		const texts: JobText[] = [];
		const updates: JobUpdate[] = [];
		let textsBeforeCompletion = -1;
		dash.on('job:text', (t) => texts.push(t));
		dash.on('job:update', (u) => {
			updates.push(u);
			if (u.status === 'completed') textsBeforeCompletion = texts.length;
		});
		granted(await replyTo(dash, 'job:watch', { jobId }));
		const volunteer = startHeadlessVolunteer({ hubUrl: url, threads: 1, files: testHub.files });
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
		const dash = testHub.dashboard();
		const texts: JobText[] = [];
		dash.on('job:text', (t) => texts.push(t));
		granted(await replyTo(dash, 'job:watch', { jobId }));
		const s = volunteer();
		await welcomed(s);
		const [t] = await request(s, 1);
		s.emit('task:text', { taskId: t.taskId, leaseToken: crypto.randomUUID(), index: 0, offset: 0, text: 'forged' });
		s.emit('task:text', { taskId: t.taskId, leaseToken: t.leaseToken, index: 0, offset: 0, text: 'real' });
		s.emit('task:text', { taskId: t.taskId, leaseToken: t.leaseToken, index: 0, offset: 99, text: 'gap' });
		await expect.poll(() => texts.map((x) => x.text), { timeout: 5000 }).toEqual(['real']);
		const bad = await replyTo(s, 'task:result', {
			taskId: t.taskId,
			leaseToken: t.leaseToken,
			backend: 'native',
			variant: 'fp32',
			durationMs: 1,
			outputs: [{ text: 1 }]
		});
		expect(bad).toMatchObject({ ok: false, code: 'rejected_output', error: expect.stringMatching(/output 0 is not a completion/) });
		s.disconnect();
	});

	it('leases a WebLLM model only to a browser whose WebGPU adapter meets its requirements', async () => {
		// A claim before the import primes the hub's list of WebLLM models without this one, as when another
		// hub process imports it: the claims below then see it only after leasing, and must give it back.
		const primer = volunteer();
		await welcomed(primer);
		expect(await request(primer, 1)).toEqual([]);
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
		const ask = async (capabilities: Capabilities) => {
			const s = volunteer(null, capabilities);
			await welcomed(s);
			return { s, tasks: await request(s, 4) };
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
		const runner = new TaskRunner(ortNode as unknown as OrtRuntime, testHub.files, { intraOpNumThreads: 1 });
		const gate = () => {
			let open!: () => void;
			return { promise: new Promise<void>((r) => (open = r)), resolve: () => open() };
		};
		let hold = gate();
		let mode: VolunteerMode = 'always';
		const started: number[] = [];
		const s = testHub.volunteer({ autoConnect: false });
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
				credentials: async () => ({ identity: null, capabilities: nodeCapabilities(), mode, readiness: serverReadiness(mode) }),
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
		const dash = testHub.dashboard();
		const updates: JobUpdate[] = [];
		dash.on('job:update', (u) => updates.push(u));
		granted(await replyTo(dash, 'job:watch', { jobId }));
		const volunteer = startHeadlessVolunteer({ hubUrl: url, threads: 1, files: testHub.files });
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

	it('reads a running job’s progress only while a dashboard watches it', async () => {
		const jobId = await submit(['watched or not'], 1);
		// This job's progress reads, counted by their first statement: getJobProgress's read of the job's status and
		// size, with the job's id in its condition (the jobs other tests left may still be read as they end).
		let reads = 0;
		const db = hub.db;
		type Where = { where: (c: SQL) => unknown };
		hub.db = new Proxy(db, {
			get(target, key, receiver) {
				const value = Reflect.get(target, key, receiver);
				if (key !== 'select') return value;
				return (fields?: object) => {
					const query = (value as (f?: object) => { from: (t: unknown) => Where }).call(target, fields);
					if (!fields || Object.keys(fields).join() !== 'status,total') return query;
					const from = query.from.bind(query);
					query.from = (table) => {
						const read = from(table);
						const where = read.where.bind(read);
						read.where = (condition) => {
							if (new PgDialect().sqlToQuery(condition).params.includes(jobId)) reads++;
							return where(condition);
						};
						return read;
					};
					return query;
				};
			}
		});
		const settle = () => new Promise((r) => setTimeout(r, 400));
		try {
			hub.notify.jobChanged(jobId);
			await settle();
			expect(reads).toBe(0);

			const dash = testHub.dashboard();
			const updates: JobUpdate[] = [];
			dash.on('job:update', (u) => updates.push(u));
			granted(await replyTo(dash, 'job:watch', { jobId }));
			await expect.poll(() => updates.length).toBe(1); // the state at once, as a page opens
			hub.notify.jobChanged(jobId);
			await expect.poll(() => updates.length).toBe(2);
			expect(reads).toBe(2);

			// The page closed: once the hub has seen it go, the job's changes are read no more.
			dash.disconnect();
			await settle();
			hub.notify.jobChanged(jobId);
			await settle();
			expect(reads).toBe(2);
		} finally {
			hub.db = db;
		}
	});
});
