import type { Clock } from './clock';

/**
 * Batches a task's generated text for the hub: deltas from the worker arrive per token; they are
 * sent at most every `intervalMs`, each with its character offset so a page can tell a gap from an
 * overlap. A delta after a quiet interval (a stream's first token above all, which a waiting client's
 * time to first token is made of) goes at once; those following it within the interval wait for its end.
 */
export class TextRelay {
	private pending = new Map<number, string>();
	private offsets = new Map<number, number>();
	private cancelTimer: (() => void) | null = null;
	/** When text was last sent (the clock's epoch ms). */
	private lastSent = -Infinity;

	constructor(
		private readonly send: (index: number, offset: number, text: string) => void,
		private readonly clock: Clock,
		private readonly intervalMs = 50
	) {}

	push(index: number, delta: string) {
		if (!delta) return;
		this.pending.set(index, (this.pending.get(index) ?? '') + delta);
		if (this.cancelTimer) return;
		const wait = this.lastSent + this.intervalMs - this.clock.now();
		if (wait <= 0) this.flush();
		else this.cancelTimer = this.clock.after(wait, () => this.flush());
	}

	/** Sends what is buffered now (before the result, so the page sees all of it first). */
	flush() {
		this.cancelTimer?.();
		this.cancelTimer = null;
		if (this.pending.size > 0) this.lastSent = this.clock.now();
		for (const [index, text] of this.pending) {
			const offset = this.offsets.get(index) ?? 0;
			// Long bursts go out in pieces the hub accepts (its schema caps one message at 20,000 characters).
			for (let i = 0; i < text.length; i += 10_000) this.send(index, offset + i, text.slice(i, i + 10_000));
			this.offsets.set(index, offset + text.length);
		}
		this.pending.clear();
	}

	/** Drops what is buffered (the task was stopped). */
	cancel() {
		this.cancelTimer?.();
		this.cancelTimer = null;
		this.pending.clear();
	}
}
