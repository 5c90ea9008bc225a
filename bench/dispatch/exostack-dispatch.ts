/**
 * ExoStack's dispatch throughput: N headless volunteers (the real work loop and TaskRunner on
 * onnxruntime-node) compute an M-task job of a tiny but real model against one hub process on
 * PostgreSQL. Reports accepted tasks per second and the task-request round trip.
 */
import * as ort from 'onnxruntime-node';
import postgres from 'postgres';
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
	/** Settings over the hub's defaults (the defences' knobs, to measure what they cost). */
	env?: Record<string, string>;
}

export async function exostackDispatch(o: DispatchOptions) {
	const hub = await startHubProcess({
		databaseUrl: o.databaseUrl,
		dataDir: tempDir(),
		env: { EXOSTACK_DB_POOL: String(o.pool), EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_MAX_INPUTS: String(o.tasks), ...o.env }
	});
	try {
		const dir = tempDir('exostack-tiny-');
		await writeModelFolder(dir, { layout: 'pooled', size: 'tiny' });
		const imported = await api(hub, '/api/models', { method: 'POST', json: { path: dir, id: 'tiny' } });
		if (imported.status !== 201) throw new Error(`import failed: ${await imported.text()}`);

		const latencies: number[] = [];
		// Each volunteer on a network of its own (127.0.N.1 is a /24 of its own), as strangers are: the
		// distinct-network rules then apply as they would on the internet.
		const volunteers = Array.from({ length: o.volunteers }, (_, i) =>
			startVolunteer(hub.url, o.concurrency, latencies, `127.0.${i + 1}.1`)
		);
		await new Promise((r) => setTimeout(r, 2000)); // connected, model not yet loaded: the first task loads it
		const started = performance.now();
		const submitted = await api(hub, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'tiny', input: Array.from({ length: o.tasks }, (_, i) => `task ${i % 10}`), chunk_size: 1 }
		});
		const { job_id } = await submitted.json();
		for (;;) {
			const s = await (await api(hub, `/api/jobs/${job_id}`)).json();
			if (s.status === 'completed') break;
			if (s.status === 'failed') throw new Error(`job failed: ${JSON.stringify(s.errors)}`);
			await new Promise((r) => setTimeout(r, 100));
		}
		const seconds = (performance.now() - started) / 1000;
		await Promise.all(volunteers.map((v) => v.stop()));
		const metrics = await (await fetch(`${hub.url}/metrics`)).text();
		const sql = postgres(o.databaseUrl, { max: 1, onnotice: () => {} });
		const [checks] = await sql<{ spot: number; recheck: number; replicas: number }[]>`
			select count(*) filter (where spot_check)::int as spot, count(*) filter (where recheck)::int as recheck,
				count(*) filter (where replica > 0)::int as replicas
			from tasks`;
		await sql.end();
		return {
			checks,
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

function startVolunteer(hubUrl: string, concurrency: number, latencies: number[], localAddress: string) {
	const runner = new TaskRunner(ort as unknown as OrtRuntime, hubFileSource(hubUrl), { intraOpNumThreads: 1 });
	// localAddress reaches Node's WebSocket connect (engine.io-client passes its options through); the type does not list it.
	const options = { transports: ['websocket'], autoConnect: false, localAddress } as Parameters<typeof io>[1];
	const socket: VolunteerSocket = io(`${hubUrl}/volunteer`, options);
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
