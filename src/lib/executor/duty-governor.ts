/**
 * One duty cycle for every task a worker runs: slices take turns, each followed by its share of rest,
 * so the worker's busy share stays under the CPU cap (see DutyGovernor).
 */

/** Sleeps `ms`, or less when `signal` aborts (then throws an AbortError). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, { once: true });
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			if (signal?.aborted) reject(new DOMException('the task was aborted', 'AbortError'));
			else resolve();
		}
	});
}

/**
 * The duty cycle for every task of one worker together: slices run one at a time, each followed by
 * its share of rest, so the worker's busy share stays at the cap however many tasks it holds (each
 * task pacing only itself would let five tasks use five times the cap). A task aborted while waiting
 * for its turn stops at once. An urgent task (`urgently`) has the worker to itself from its first slice
 * to its last: a batch task finishes the slice it is computing, then waits.
 *
 * Rest is owed, not slept slice by slice: a timer cannot sleep the 1 ms a 2 ms slice of a small model
 * owes (browsers clamp nested timers to 4 ms), which kept such a worker at a fraction of its cap. Rest
 * is slept once at least MIN_REST_MS is owed; any time not computing (a sleep that ran long, a wait for
 * work) counts towards it.
 */
export class DutyGovernor {
	/** A slice is computing (or resting after it). */
	private running = false;
	/** Slices waiting for their turn, in arrival order. */
	private queue: { urgent: boolean; go: () => void }[] = [];
	/** Urgent tasks under way (see `urgently`): while there is one, other tasks' slices wait. */
	private urgentTasks = 0;
	/** Milliseconds of rest owed (negative: rest already taken ahead, up to MIN_REST_MS). */
	private owed = 0;
	private lastEnd = -Infinity;

	/**
	 * Runs `task` (a whole task: all its slices) as urgent, an interactive request's, whose client waits:
	 * from its first slice to its last, other tasks' slices wait, so a batch task finishes the slice it is
	 * computing and then rests until the urgent task is done. The duty cycle still applies to it.
	 */
	async urgently<T>(task: () => Promise<T>): Promise<T> {
		this.urgentTasks++;
		try {
			return await task();
		} finally {
			this.urgentTasks--;
			this.next();
		}
	}

	async slice<T>(
		work: () => Promise<T>,
		duty: number,
		ctx: { signal?: AbortSignal; onBusy?: (ms: number) => void; urgent?: boolean }
	): Promise<T> {
		await this.turn(ctx.urgent ?? false, ctx.signal);
		try {
			const began = performance.now();
			this.rested(began - this.lastEnd);
			const out = await work();
			const busy = performance.now() - began;
			ctx.onBusy?.(busy);
			this.lastEnd = performance.now();
			if (duty < 1) this.owed += (busy * (1 - duty)) / duty;
			if (this.owed >= MIN_REST_MS) {
				// An abort cuts the rest short but keeps the slice: the caller stops before the next one.
				await pause(this.owed, ctx.signal).catch(() => {});
				this.rested(performance.now() - this.lastEnd);
				this.lastEnd = performance.now();
			}
			return out;
		} finally {
			this.running = false;
			this.next();
		}
	}

	/** Waits for this slice's turn; an abort while waiting leaves the queue at once with an AbortError. */
	private turn(urgent: boolean, signal: AbortSignal | undefined): Promise<void> {
		signal?.throwIfAborted();
		return new Promise((resolve, reject) => {
			const abort = () => {
				this.queue = this.queue.filter((w) => w !== waiter);
				reject(new DOMException('the task was aborted', 'AbortError'));
			};
			const waiter = {
				urgent,
				go: () => {
					signal?.removeEventListener('abort', abort);
					resolve();
				}
			};
			this.queue.push(waiter);
			signal?.addEventListener('abort', abort, { once: true });
			this.next();
		});
	}

	/** Starts the next slice, if the worker is free: the first urgent one waiting, else (no urgent task under way) the first. */
	private next() {
		if (this.running) return;
		const i = this.queue.findIndex((w) => w.urgent);
		const pick = i >= 0 ? i : this.urgentTasks === 0 ? 0 : -1;
		if (pick < 0 || pick >= this.queue.length) return;
		const [waiter] = this.queue.splice(pick, 1);
		this.running = true;
		waiter.go();
	}

	private rested(ms: number) {
		this.owed = Math.max(-MIN_REST_MS, this.owed - Math.max(0, ms));
	}
}

/** The shortest rest worth a timer: shorter debts add up until they reach it. */
const MIN_REST_MS = 10;
