/**
 * In-process word that a job just reached its final state, for requests holding their connection open
 * for it (openai/await-job.ts): they wake at once instead of at their next database poll, which is most
 * of what a synchronous request would otherwise wait beyond the compute. Only the hub process that
 * finished the job hears it; the waiters keep polling the database for jobs finished elsewhere.
 */
export class JobEnds {
	private readonly waiters = new Map<string, Set<() => void>>();

	/** Resolves when `ended(jobId)` is called; `cancel` drops the waiter (the caller stopped waiting). */
	next(jobId: string): { ended: Promise<void>; cancel(): void } {
		let wake = () => {};
		const ended = new Promise<void>((resolve) => (wake = resolve));
		const set = this.waiters.get(jobId) ?? new Set();
		set.add(wake);
		this.waiters.set(jobId, set);
		const cancel = () => {
			set.delete(wake);
			if (set.size === 0 && this.waiters.get(jobId) === set) this.waiters.delete(jobId);
		};
		return { ended, cancel };
	}

	ended(jobId: string) {
		const set = this.waiters.get(jobId);
		this.waiters.delete(jobId);
		for (const wake of set ?? []) wake();
	}
}
