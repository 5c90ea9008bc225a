import type { Clock } from './clock';

/**
 * Batches a task's generated text for the hub: deltas from the worker arrive per token; they are
 * sent at most every `intervalMs` per input, each with its character offset so a page can tell a
 * gap from an overlap.
 */
export class TextRelay {
	private pending = new Map<number, string>();
	private offsets = new Map<number, number>();
	private cancelTimer: (() => void) | null = null;

	constructor(
		private readonly send: (index: number, offset: number, text: string) => void,
		private readonly clock: Clock,
		private readonly intervalMs = 50
	) {}

	push(index: number, delta: string) {
		if (!delta) return;
		this.pending.set(index, (this.pending.get(index) ?? '') + delta);
		this.cancelTimer ??= this.clock.after(this.intervalMs, () => this.flush());
	}

	/** Sends what is buffered now (before the result, so the page sees all of it first). */
	flush() {
		this.cancelTimer?.();
		this.cancelTimer = null;
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
