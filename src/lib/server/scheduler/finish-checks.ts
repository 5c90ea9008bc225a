interface Waiter {
	resolve(): void;
	reject(e: unknown): void;
}

/**
 * "Is this job finished now?", asked after every settled chunk, run at most once at a time per job: the
 * requests that arrive while a job's check runs share the one check that follows it. Each request is
 * answered by a check that started after it was made, so after the commit it follows: none is missed.
 *
 * Why: every accepted result asked on its own, one statement each (finish-job.ts), and at 1,500 busy
 * volunteers these were 8 % of the hub's CPU (bench/dispatch busy, CPU profile); a job's results arrive
 * in groups, and one check after the group answers them all.
 */
export class FinishChecks {
	/** The requests waiting for each job's next check; a job is here while its checks run. */
	private readonly waiting = new Map<string, Waiter[]>();

	constructor(private readonly check: (jobId: string) => Promise<void>) {}

	request(jobId: string): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			const queue = this.waiting.get(jobId);
			if (queue) return void queue.push({ resolve, reject });
			this.waiting.set(jobId, [{ resolve, reject }]);
			void this.run(jobId);
		});
	}

	private async run(jobId: string): Promise<void> {
		for (let served = this.take(jobId); served.length > 0; served = this.take(jobId)) {
			try {
				await this.check(jobId);
				for (const w of served) w.resolve();
			} catch (err) {
				for (const w of served) w.reject(err);
			}
		}
		// In the same step as finding nobody waiting: a request made after this starts a check of its own.
		this.waiting.delete(jobId);
	}

	/** The requests a check starting now answers; those arriving from now on wait for the next. */
	private take(jobId: string): Waiter[] {
		const queue = this.waiting.get(jobId) ?? [];
		this.waiting.set(jobId, []);
		return queue;
	}
}
