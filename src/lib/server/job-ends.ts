import { placeChunk, type AcceptedChunk } from './scheduler/accepted-chunk';

/**
 * In-process word of a job, for requests holding their connection open for it (openai/await-job.ts):
 * that it reached its final state, and each chunk of it accepted here, so a waiter whose every input is
 * accepted answers from what this process committed, without waiting for the job's finish check or
 * reading the results back. Only the hub process that settled a chunk hears of it; the waiters keep
 * polling the database for what happened in another one, so nothing here is needed for correctness.
 */
export class JobEnds {
	private readonly watches = new Map<string, Set<JobWatch>>();

	/** Follows `jobId`, a job of `inputs` inputs, until `close()`. */
	watch(jobId: string, inputs: number): JobWatch {
		const set = this.watches.get(jobId) ?? new Set();
		const watch: JobWatch = new JobWatch(inputs, () => {
			set.delete(watch);
			if (set.size === 0 && this.watches.get(jobId) === set) this.watches.delete(jobId);
		});
		set.add(watch);
		this.watches.set(jobId, set);
		return watch;
	}

	/** A chunk of the job was accepted (committed) in this process. */
	accepted(jobId: string, chunk: AcceptedChunk) {
		for (const w of this.watches.get(jobId) ?? []) w.accept(chunk);
	}

	ended(jobId: string) {
		for (const w of this.watches.get(jobId) ?? []) w.end();
	}
}

/** One waiter's view of a job: whether it ended, and its outputs once every input's is accepted. */
export class JobWatch {
	/** Heard to reach its final state in this process. */
	hasEnded = false;
	private readonly result: unknown[];
	private readonly filled: Uint8Array;
	private missing: number;
	/** What changed() hands out until the next word: one promise, however many pauses came and went meanwhile. */
	private next: { heard: Promise<void>; wake(): void } | null = null;
	/** Word came that no changed() has returned yet: the next call returns at once. */
	private pending = false;

	constructor(
		inputs: number,
		readonly close: () => void
	) {
		this.result = new Array(inputs).fill(null);
		this.filled = new Uint8Array(inputs);
		this.missing = inputs;
	}

	/** Every input's accepted output, in input order, once all are in hand; null before. */
	get outputs(): unknown[] | null {
		return this.missing === 0 ? this.result : null;
	}

	/** Resolves at the next end or completed result (at once if one came since the last call). */
	changed(): Promise<void> {
		if (this.pending) {
			this.pending = false;
			return Promise.resolve();
		}
		if (!this.next) {
			let wake = () => {};
			const heard = new Promise<void>((resolve) => (wake = resolve));
			this.next = { heard, wake };
		}
		return this.next.heard;
	}

	accept(chunk: AcceptedChunk) {
		// A chunk out of this job's range would be another job's: a caller's mistake, never placed.
		if (chunk.firstInput < 0 || chunk.firstInput + chunk.outputs.length > this.filled.length) return;
		for (const i of placeChunk(this.result, chunk)) {
			if (this.filled[i]) continue;
			this.filled[i] = 1;
			this.missing--;
		}
		if (this.missing === 0) this.signal();
	}

	end() {
		this.hasEnded = true;
		this.signal();
	}

	private signal() {
		this.next?.wake();
		this.next = null;
		this.pending = true;
	}
}
