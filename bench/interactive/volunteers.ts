/**
 * Headless volunteers for the interactive bench: the real work loop and TaskRunner on onnxruntime-node
 * (as the CLI volunteer runs them), in the bench's process, each recording its own compute time per task
 * under the task's first input, so the bench can subtract what the volunteer spent from what a client waited.
 */
import * as ort from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { TaskRunner } from '../../src/lib/executor/task-runner';
import { hubFileSource } from '../../src/lib/executor/model-files';
import type { OrtRuntime } from '../../src/lib/executor/ort-runtime';
import { WorkLoop } from '../../src/lib/volunteer/work-loop';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';

export interface Volunteers {
	/**
	 * The task whose first input contains `tag`, once handed in: the volunteer's compute time (ms), and when
	 * (performance.now() of this process) the volunteer started it.
	 */
	task(tag: string): { computeMs: number; startedAt: number } | undefined;
	/** Batch tasks handed in so far (tasks whose first input holds none of the bench's request tags). */
	tasksDone(): number;
	stop(): Promise<void>;
}

export function startVolunteers(hubUrl: string, count: number): Volunteers {
	const computed = new Map<string, { computeMs: number; startedAt: number }>();
	const started = new Map<number, number>();
	let done = 0;
	const loops = Array.from({ length: count }, (_, i) => {
		const runner = new TaskRunner(ort as unknown as OrtRuntime, hubFileSource(hubUrl), { intraOpNumThreads: 1 });
		// Each on a /24 of its own (127.0.N.1), as strangers are, so the per-network rules apply as on the internet.
		const options = { transports: ['websocket'], autoConnect: false, localAddress: `127.0.${i + 1}.1` } as Parameters<typeof io>[1];
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
			{
				taskStarted: (lease) => void started.set(lease.taskId, performance.now()),
				taskEnded: (lease, end) => {
					const startedAt = started.get(lease.taskId)!;
					started.delete(lease.taskId);
					if (!end.accepted || end.durationMs === undefined) return;
					computed.set(lease.inputs[0], { computeMs: end.durationMs, startedAt });
					done++;
				}
			},
			{ concurrency: 1, pollMs: 1000 }
		);
		loop.start();
		return { loop, socket, runner };
	});
	return {
		task(tag) {
			for (const [input, t] of computed) if (input.includes(tag)) return t;
			return undefined;
		},
		tasksDone: () => done,
		async stop() {
			for (const { loop, socket, runner } of loops) {
				loop.stop();
				socket.close();
				await runner.release();
			}
		}
	};
}
