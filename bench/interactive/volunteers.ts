/**
 * Headless volunteers for the interactive bench: the real work loop and TaskRunner on onnxruntime-node
 * (as the CLI volunteer runs them), in the bench's process, each recording its own compute time per task
 * under the task's first input, so the bench can subtract what the volunteer spent from what a client waited.
 */
import { startOne } from '../dispatch/in-process-volunteers';

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
	// Each on a /24 of its own (127.0.N.1), as strangers are, so the per-network rules apply as on the internet.
	const volunteers = Array.from({ length: count }, (_, i) =>
		startOne(hubUrl, 1, `127.0.${i + 1}.1`, {
			taskStarted: (lease) => void started.set(lease.taskId, performance.now()),
			taskEnded: (lease, end) => {
				const startedAt = started.get(lease.taskId)!;
				started.delete(lease.taskId);
				if (!end.accepted || end.durationMs === undefined) return;
				computed.set(lease.inputs[0], { computeMs: end.durationMs, startedAt });
				done++;
			}
		})
	);
	return {
		task(tag) {
			for (const [input, t] of computed) if (input.includes(tag)) return t;
			return undefined;
		},
		tasksDone: () => done,
		async stop() {
			await Promise.all(volunteers.map((v) => v.stop()));
		}
	};
}
