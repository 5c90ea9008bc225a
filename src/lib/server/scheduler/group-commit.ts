/** How results, renewals, releases and status reports are grouped (EXOSTACK_GROUP_COMMIT_MS, EXOSTACK_GROUP_COMMIT_MAX). */
export interface GroupOptions {
	/** How long the first item of a group waits for company; 0: every call commits on its own. */
	ms: number;
	/** A group this large commits at once, without waiting out `ms`. */
	max: number;
}

interface Waiting<I, O> {
	item: I;
	resolve(o: O): void;
	reject(e: unknown): void;
}

/**
 * Collects items arriving within `ms` (up to `max`) and hands them to `commit` together; each caller's
 * promise settles with its own outcome once that commit has returned, never before. Groups commit
 * concurrently (one does not wait for the previous), so a slow commit delays only its own members.
 *
 * The wait is for company, so it is only worth it while there is some: with no commit in flight (a
 * quiet hub), a group closes at the end of the current turn of the event loop instead, and a lone
 * result (an interactive request's, whose client waits) is not held back `ms` for nobody.
 */
export class GroupCommit<I, O> {
	private group: Waiting<I, O>[] = [];
	/** Cancels the pending close of the current group (a timer, or the end of this turn). */
	private timer: (() => void) | null = null;
	private readonly inFlight = new Set<Promise<void>>();

	constructor(
		private readonly options: GroupOptions,
		private readonly commit: (items: I[]) => Promise<O[]>
	) {}

	/**
	 * `alone`: commit this item now in a group of its own, waiting for no company (an interactive request's
	 * result, whose client waits; other items go on gathering meanwhile).
	 */
	add(item: I, alone = false): Promise<O> {
		if (this.options.ms <= 0) return this.commit([item]).then(([o]) => o);
		return new Promise<O>((resolve, reject) => {
			const waiting = { item, resolve, reject };
			if (alone) return this.start([waiting]);
			this.group.push(waiting);
			if (this.group.length >= this.options.max) this.flush();
			else this.timer ??= this.inFlight.size === 0 ? this.closeSoon() : this.closeIn(this.options.ms);
		});
	}

	/** Commits what is waiting now; resolves once every group started so far has committed. */
	async drain(): Promise<void> {
		this.flush();
		await Promise.allSettled([...this.inFlight]);
	}

	private closeIn(ms: number): () => void {
		const timer = setTimeout(() => this.flush(), ms);
		return () => clearTimeout(timer);
	}

	private closeSoon(): () => void {
		const immediate = setImmediate(() => this.flush());
		return () => clearImmediate(immediate);
	}

	private flush(): void {
		this.timer?.();
		this.timer = null;
		const group = this.group;
		this.group = [];
		if (group.length > 0) this.start(group);
	}

	/** Commits `group` now, tracked for drain(). */
	private start(group: Waiting<I, O>[]): void {
		const run = this.commit(group.map((w) => w.item)).then(
			(outcomes) => group.forEach((w, i) => w.resolve(outcomes[i])),
			(err) => group.forEach((w) => w.reject(err))
		);
		const tracked = run.finally(() => this.inFlight.delete(tracked));
		this.inFlight.add(tracked);
	}
}
