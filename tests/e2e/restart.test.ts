/**
 * A hub restart loses nothing, on PGlite and on PostgreSQL: the real production hub (`node server.js`)
 * runs jobs for a headless volunteer, then is stopped cleanly or killed (SIGKILL) mid-job, and a new
 * hub process on the same data folder / database finds every job and result, and finishes the job
 * the crash interrupted with the volunteer that reconnected by itself.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startHeadlessVolunteer } from '../../src/lib/headless/headless-volunteer';
import { referenceEmbeddings } from '../harness/reference';
import { testServerUrl } from '../../src/lib/server/db/testing';

/**
 * Short leases and a fast sweeper: the task a killed hub had leased comes back after its lease
 * expires (the new hub cannot know its holder is gone), and the test should not wait a minute for it.
 */
const FAST = { EXOSTACK_LEASE_SECONDS: '3', EXOSTACK_SWEEP_SECONDS: '1', EXOSTACK_RETRY_BACKOFF_MS: '0' };
const LOOP = { renewMs: 500, pollMs: 1000 };

const kinds = testServerUrl() ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

interface StatusView {
	job_id: string;
	status: string;
	progress: { done: number; total: number };
	tasks: { total: number; done: number; queued: number; leased: number; dead: number };
	result: number[][] | null;
}

async function json<T>(res: Response): Promise<T> {
	expect(res.status, res.url).toBe(200);
	return (await res.json()) as T;
}

async function submit(hub: HubProcess, body: unknown): Promise<string> {
	const res = await api(hub, '/api/jobs', { method: 'POST', json: body });
	expect(res.status).toBe(201);
	return (await res.json()).job_id;
}

async function waitForCompletion(hub: HubProcess, id: string, timeoutMs = 60_000): Promise<StatusView> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const s = await json<StatusView>(await api(hub, `/api/jobs/${id}`));
		if (s.status === 'completed') return s;
		if (s.status === 'failed' || s.status === 'cancelled') throw new Error(`job ${id} ended ${s.status}: ${JSON.stringify(s)}`);
		if (Date.now() > deadline)
			throw new Error(`job ${id} did not complete: ${JSON.stringify({ ...s, result: undefined })}\n${hub.logs().slice(-3000)}`);
		await new Promise((r) => setTimeout(r, 150));
	}
}

function expectClose(actual: number[][], expected: number[][]) {
	expect(actual).toHaveLength(expected.length);
	for (const [i, vector] of actual.entries()) {
		expect(vector, `input ${i}`).toHaveLength(expected[i].length);
		expect(Math.max(...vector.map((v, k) => Math.abs(v - expected[i][k]))), `input ${i}`).toBeLessThan(1e-5);
	}
}

describe.each(kinds)('a hub restart on %s', (kind) => {
	/** What a test started, stopped and removed after it (hubs first, then their stores): the next test starts from nothing. */
	const cleanups: (() => Promise<void>)[] = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});

	/** A data folder and, on PostgreSQL, a database of the test's own; `start` runs a hub on them, as often as the test restarts it. */
	async function freshStore() {
		const dataDir = tempDir('exostack-restart-');
		const database = kind === 'postgres' ? await freshDatabase() : null;
		cleanups.push(async () => {
			await rm(dataDir, { recursive: true, force: true });
			await database?.drop();
		});
		return {
			async start(port?: number): Promise<HubProcess> {
				const hub = await startHubProcess({ dataDir, databaseUrl: database?.url, port, env: FAST });
				cleanups.push(() => hub.stop());
				return hub;
			}
		};
	}

	it('keeps a completed job, its status and every result across a clean stop and start', async () => {
		const { start } = await freshStore();
		let hub = await start();
		expect(await json<{ database: string }>(await fetch(`${hub.url}/api/health`))).toMatchObject({ database: kind });
		const inputs = Array.from({ length: 30 }, (_, i) => `before the restart, sentence ${i}`);
		const id = await submit(hub, { task_type: 'embedding', model: 'demo-embedding', input: inputs });
		const volunteer = startHeadlessVolunteer({ hubUrl: hub.url, threads: 1, loop: LOOP });
		let before: StatusView;
		try {
			before = await waitForCompletion(hub, id);
		} finally {
			await volunteer.stop();
		}
		expectClose(before.result!, await referenceEmbeddings(hub.url, 'demo-embedding', inputs));
		const jsonlBefore = await (await api(hub, `/api/jobs/${id}/results?format=jsonl`)).text();
		const tasksBefore = await json<unknown[]>(await api(hub, `/api/jobs/${id}/tasks`));
		expect(jsonlBefore.trimEnd().split('\n')).toHaveLength(30);

		await hub.stop();
		expect(hub.child.exitCode, hub.logs()).toBe(0);
		hub = await start();

		const after = await json<StatusView>(await api(hub, `/api/jobs/${id}`));
		expect(after).toMatchObject({ job_id: id, status: 'completed', progress: { done: 30, total: 30 }, tasks: { total: 4, done: 4 } });
		expect(after.result).toEqual(before.result);
		expect(await (await api(hub, `/tasks/${id}/status`)).json()).toMatchObject({ status: 'completed', result: before.result });
		expect(await (await api(hub, `/api/jobs/${id}/results?format=jsonl`)).text()).toBe(jsonlBefore);
		expect(await json<unknown[]>(await api(hub, `/api/jobs/${id}/tasks`))).toEqual(tasksBefore);
		const listed = await json<{ job_id: string; status: string }[]>(await api(hub, '/api/jobs'));
		expect(listed.find((j) => j.job_id === id)).toMatchObject({ status: 'completed' });
	});

	it('finishes a job whose hub was killed mid-job, with every input computed once restarted', async () => {
		const { start } = await freshStore();
		const first = await start();
		const TOTAL = 120;
		const inputs = Array.from({ length: TOTAL }, (_, i) => `interrupted job, input number ${i} of ${TOTAL}`);
		// Two inputs per task: many small tasks, so the crash lands with most of the job still to do.
		const id = await submit(first, { task_type: 'embedding', model: 'demo-embedding', input: inputs, chunk_size: 2 });
		const expected = await referenceEmbeddings(first.url, 'demo-embedding', inputs);

		let accepted = 0;
		/** Task numbers (seq) whose result the hub acknowledged before it died. */
		const acknowledged: number[] = [];
		let killing: Promise<void> | null = null;
		const volunteer = startHeadlessVolunteer({
			hubUrl: first.url,
			threads: 1,
			loop: LOOP,
			listener: {
				taskEnded(lease, outcome) {
					if (!outcome.accepted) return;
					accepted++;
					if (!killing) acknowledged.push(inputs.indexOf(lease.inputs[0]) / 2);
					// Crash the hub as soon as part of the job is in: SIGKILL, no shutdown of any kind.
					if (accepted === 5) killing = first.kill();
				}
			}
		});
		try {
			const deadline = Date.now() + 60_000;
			while (!killing) {
				if (Date.now() > deadline) throw new Error(`the volunteer never got 5 tasks accepted\n${first.logs().slice(-3000)}`);
				await new Promise((r) => setTimeout(r, 20));
			}
			await killing;
			expect(first.child.signalCode).toBe('SIGKILL');
			const acceptedBeforeCrash = accepted;
			expect(acknowledged).toHaveLength(5);

			// Same port: the volunteer's socket.io-client reconnects to the URL it knows.
			const hub = await start(first.port);
			const done = await waitForCompletion(hub, id);

			// The volunteer kept working after the restart, so the job really was unfinished when the hub died.
			expect(acceptedBeforeCrash).toBeGreaterThanOrEqual(5);
			expect(acceptedBeforeCrash).toBeLessThan(TOTAL / 2);
			expect(accepted - acceptedBeforeCrash).toBeGreaterThanOrEqual(1);

			expect(done).toMatchObject({
				status: 'completed',
				progress: { done: TOTAL, total: TOTAL },
				tasks: { total: TOTAL / 2, done: TOTAL / 2, dead: 0 }
			});
			expectClose(done.result!, expected);
			// One line per input, in order: no input lost, none accepted twice.
			const lines = (await (await api(hub, `/api/jobs/${id}/results?format=jsonl`)).text())
				.trimEnd()
				.split('\n')
				.map((l) => JSON.parse(l) as { index: number; input: string; output: number[] });
			expect(lines.map((l) => l.index)).toEqual(inputs.map((_, i) => i));
			expect(lines.map((l) => l.input)).toEqual(inputs);
			expect(lines.map((l) => l.output)).toEqual(done.result);
			const tasks = await json<{ seq: number; state: string; backend: string; attempts: number; failures: number }[]>(
				await api(hub, `/api/jobs/${id}/tasks`)
			);
			expect(tasks).toHaveLength(TOTAL / 2);
			expect(tasks.every((t) => t.state === 'done' && t.backend === 'native')).toBe(true);
			// The crash was nobody's failure: a lease the dead hub granted ran out uncounted (db/reach.ts).
			expect(tasks.filter((t) => t.failures > 0)).toEqual([]);
			// What the hub acknowledged before the crash survived it: those tasks were never leased again,
			// and no task was accepted twice (every acknowledgement is one task).
			for (const seq of acknowledged) expect(tasks[seq], `task ${seq}`).toMatchObject({ seq, attempts: 1 });
			expect(accepted).toBeLessThanOrEqual(TOTAL / 2);
		} finally {
			await volunteer.stop();
		}
	});
});
