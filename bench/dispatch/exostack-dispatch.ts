/**
 * ExoStack's dispatch throughput: N headless volunteers (the real work loop and TaskRunner on
 * onnxruntime-node) compute an M-task job of a tiny but real model against one hub process on
 * PostgreSQL. Reports accepted tasks per second and the task-request round trip.
 */
import * as ort from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { api, startHubProcess, tempDir } from '../../tests/harness/hub-process';
import { TaskRunner } from '../../src/lib/executor/task-runner';
import { hubFileSource } from '../../src/lib/executor/model-files';
import type { OrtRuntime } from '../../src/lib/executor/ort-runtime';
import { WorkLoop } from '../../src/lib/volunteer/work-loop';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';
import { percentile } from './stats';

export interface DispatchOptions {
	databaseUrl: string;
	tasks: number;
	volunteers: number;
	concurrency: number;
	/** The hub's PostgreSQL connections (EXOSTACK_DB_POOL). */
	pool: number;
}

export async function exostackDispatch(o: DispatchOptions) {
	const hub = await startHubProcess({
		databaseUrl: o.databaseUrl,
		dataDir: tempDir(),
		env: { EXOSTACK_DB_POOL: String(o.pool), EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_MAX_INPUTS: String(o.tasks) }
	});
	try {
		const dir = tempDir('exostack-tiny-');
		await writeModelFolder(dir, { layout: 'pooled', size: 'tiny' });
		const imported = await api(hub, '/api/models', { method: 'POST', json: { path: dir, id: 'tiny' } });
		if (imported.status !== 201) throw new Error(`import failed: ${await imported.text()}`);

		const latencies: number[] = [];
		const volunteers = Array.from({ length: o.volunteers }, () => startVolunteer(hub.url, o.concurrency, latencies));
		await new Promise((r) => setTimeout(r, 2000)); // connected, model not yet loaded: the first task loads it
		const started = performance.now();
		const submitted = await api(hub, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'tiny', input: Array.from({ length: o.tasks }, (_, i) => `task ${i % 10}`), chunk_size: 1 }
		});
		const { task_id } = await submitted.json();
		for (;;) {
			const s = await (await api(hub, `/api/jobs/${task_id}`)).json();
			if (s.status === 'completed') break;
			if (s.status === 'failed') throw new Error(`job failed: ${JSON.stringify(s.errors)}`);
			await new Promise((r) => setTimeout(r, 100));
		}
		const seconds = (performance.now() - started) / 1000;
		await Promise.all(volunteers.map((v) => v.stop()));
		const metrics = await (await fetch(`${hub.url}/metrics`)).text();
		return {
			tasksPerSecond: o.tasks / seconds,
			seconds,
			leaseP50: percentile(latencies, 50),
			leaseP99: percentile(latencies, 99),
			requests: latencies.length,
			metrics
		};
	} finally {
		await hub.stop();
	}
}

function startVolunteer(hubUrl: string, concurrency: number, latencies: number[]) {
	const runner = new TaskRunner(ort as unknown as OrtRuntime, hubFileSource(hubUrl), { intraOpNumThreads: 1 });
	const socket: VolunteerSocket = io(`${hubUrl}/volunteer`, { transports: ['websocket'], autoConnect: false });
	let identity: string | null = null;
	const readiness = { score: 90, ready: true };
	const loop = new WorkLoop(
		socket,
		{
			backend: 'native',
			async run(task, hooks, signal) {
				const t = performance.now();
				return { ...(await runner.run(task, { ...hooks, signal })), durationMs: performance.now() - t };
			}
		},
		{
			credentials: async () => ({ identity, capabilities: nodeCapabilities(), mode: 'always', readiness }),
			saveIdentity: (issued) => void (identity = issued),
			readiness: () => readiness,
			mode: () => 'always'
		},
		{ leaseAnswered: (n, ms) => n > 0 && latencies.push(ms) },
		{ concurrency, pollMs: 1000 }
	);
	loop.start();
	return {
		async stop() {
			loop.stop();
			socket.close();
			await runner.release();
		}
	};
}
