/**
 * Headless volunteers for the interactive bench: the real work loop and TaskRunner on onnxruntime-node
 * (as the CLI volunteer runs them), in a child process (volunteer-process.ts) at a chosen niceness, each
 * recording its own compute time per task under the task's first input, so the bench can subtract what
 * the volunteer spent from what a client waited.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VolunteerReport } from './volunteer-process';

type Computed = { taskId: number; computeMs: number; startedAt: number };

export interface Volunteers {
	/**
	 * The task whose first input contains `tag`, once handed in: its id, the volunteer's compute time (ms), and
	 * when (performance.now() of this process) the volunteer started it.
	 */
	task(tag: string): Computed | undefined;
	/** Batch tasks handed in so far (tasks whose first input holds none of the bench's request tags). */
	tasksDone(): number;
	stop(): Promise<void>;
}

/** `count` volunteers in one process at niceness `nice` (0: the bench's own priority; 19: the lowest). */
export function startVolunteers(hubUrl: string, count: number, nice = 0): Volunteers {
	const computed = new Map<string, Computed>();
	let done = 0;
	const entry = fileURLToPath(new URL('./volunteer-process.ts', import.meta.url));
	const child = spawn('nice', ['-n', String(nice), process.execPath, '--import', 'tsx', entry, hubUrl, String(count)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.on('message', (m: VolunteerReport) => {
		// Both clocks are milliseconds since the epoch at sub-millisecond resolution; this one's performance.now() is the bench's.
		computed.set(m.input, { taskId: m.taskId, computeMs: m.computeMs, startedAt: m.startedAt - performance.timeOrigin });
		done++;
	});
	return {
		task(tag) {
			for (const [input, t] of computed) if (input.includes(tag)) return t;
			return undefined;
		},
		tasksDone: () => done,
		async stop() {
			if (child.exitCode === null) child.send('stop');
			await exited;
		}
	};
}
