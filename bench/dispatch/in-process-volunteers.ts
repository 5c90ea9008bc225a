/**
 * Headless volunteers in the bench's own process: the real work loop and TaskRunner on onnxruntime-node,
 * as the CLI volunteer runs them. Each connects from a /24 of its own (127.0.N.1), as strangers on the
 * internet would, so the distinct-network rules apply as they would there. They record every task
 * request's round trip and every lease they are given.
 */
import * as ort from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { TaskRunner } from '../../src/lib/executor/task-runner';
import { hubFileSource } from '../../src/lib/executor/model-files';
import type { OrtRuntime } from '../../src/lib/executor/ort-runtime';
import { WorkLoop } from '../../src/lib/volunteer/work-loop';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';

export interface VolunteerSet {
	/** Task-request round trips (ms) of requests that brought at least one task. */
	latencies: number[];
	/** Every lease handed to any of these volunteers, by task id: a count above 1 is a task leased twice. */
	leases: Map<number, number>;
	stop(): Promise<void>;
}

/**
 * `count` volunteers with `concurrency` tasks each; volunteer i connects to `hubUrls[i % hubUrls.length]`
 * (two hubs share the volunteers) from 127.0.(firstNetwork + i).1.
 */
export function startVolunteers(hubUrls: string[], count: number, concurrency: number, firstNetwork = 1): VolunteerSet {
	const latencies: number[] = [];
	const leases = new Map<number, number>();
	const volunteers = Array.from({ length: count }, (_, i) =>
		startOne(hubUrls[i % hubUrls.length], concurrency, `127.0.${firstNetwork + i}.1`, {
			leaseAnswered: (n, ms) => n > 0 && latencies.push(ms),
			taskStarted: (lease) => leases.set(lease.taskId, (leases.get(lease.taskId) ?? 0) + 1)
		})
	);
	return {
		latencies,
		leases,
		async stop() {
			await Promise.all(volunteers.map((v) => v.stop()));
		}
	};
}

/** One such volunteer from `localAddress`, reporting to `listener`; also the interactive bench's. */
export function startOne(hubUrl: string, concurrency: number, localAddress: string, listener: ConstructorParameters<typeof WorkLoop>[3]) {
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
		listener,
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
