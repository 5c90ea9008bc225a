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

/** Resolves when `p` does, or rejects with an AbortError as soon as `signal` aborts. */
function unlessAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
	if (!signal) return p;
	signal.throwIfAborted();
	return new Promise((resolve, reject) => {
		const abort = () => reject(new DOMException('the task was aborted', 'AbortError'));
		signal.addEventListener('abort', abort, { once: true });
		p.then(() => (signal.removeEventListener('abort', abort), resolve()));
	});
}

/**
 * The duty cycle for every task of one worker together: slices run one at a time, each followed by
 * its share of rest, so the worker's busy share stays at the cap however many tasks it holds (each
 * task pacing only itself would let five tasks use five times the cap). A task aborted while waiting
 * for its turn stops at once.
 *
 * Rest is owed, not slept slice by slice: a timer cannot sleep the 1 ms a 2 ms slice of a small model
 * owes (browsers clamp nested timers to 4 ms), which kept such a worker at a fraction of its cap. Rest
 * is slept once at least MIN_REST_MS is owed; any time not computing (a sleep that ran long, a wait for
 * work) counts towards it.
 */
export class DutyGovernor {
	private tail: Promise<void> = Promise.resolve();
	/** Milliseconds of rest owed (negative: rest already taken ahead, up to MIN_REST_MS). */
	private owed = 0;
	private lastEnd = -Infinity;

	async slice<T>(work: () => Promise<T>, duty: number, ctx: { signal?: AbortSignal; onBusy?: (ms: number) => void }): Promise<T> {
		const before = this.tail;
		let release!: () => void;
		const mine = new Promise<void>((r) => (release = r));
		this.tail = before.then(() => mine);
		try {
			await unlessAborted(before, ctx.signal);
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
			release();
		}
	}

	private rested(ms: number) {
		this.owed = Math.max(-MIN_REST_MS, this.owed - Math.max(0, ms));
	}
}

/** The shortest rest worth a timer: shorter debts add up until they reach it. */
const MIN_REST_MS = 10;
