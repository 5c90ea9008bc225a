/**
 * Batches a task's generated text for the hub: deltas from the worker arrive per token; they are
 * sent at most every `intervalMs` per input, each with its character offset so a page can tell a
 * gap from an overlap.
 */
export class TextRelay {
	private pending = new Map<number, string>();
	private offsets = new Map<number, number>();
	private timer: ReturnType<typeof setTimeout> | null = null;

	constructor(
		private readonly send: (index: number, offset: number, text: string) => void,
		private readonly intervalMs = 50
	) {}

	push(index: number, delta: string) {
		if (!delta) return;
		this.pending.set(index, (this.pending.get(index) ?? '') + delta);
		this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
	}

	/** Sends what is buffered now (before the result, so the page sees all of it first). */
	flush() {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
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
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		this.pending.clear();
	}
}
