interface Waiting<I, O> {
	item: I;
	resolve(o: O): void;
	reject(e: unknown): void;
}

/**
 * Claims of one hub process take turns, and the claims waiting for a turn go in together as one group:
 * at most `limit` groups in the database at once (EXOSTACK_CLAIM_CONCURRENCY; 0: no limit, each claim
 * alone), each of at most `max` claims (EXOSTACK_GROUP_COMMIT_MAX, at most CLAIM_GROUP_MAX), interactive lane
 * claims first.
 *
 * Why turns: without a limit, hundreds of volunteers asking at once each hold a pool connection for a
 * claim's transaction, and the results, renewals and status reports queue behind them. At 1,500
 * volunteers (bench/dispatch's busy part) more than a thousand hand-ins then outlived the volunteers'
 * acknowledgement timeout and the event loop lagged; with 2-8 turns none did (BENCHMARKS.md).
 * Why groups: a claim's cost is mostly its statements (building, sending, parsing them), and a group
 * claims for all its members in the same few statements (claim-tasks.ts's claimGroup). A quiet hub never
 * waits: a claim with a turn free goes at once, alone; groups form only while every turn is taken.
 * Claims of other hub processes still run beside these, as before.
 *
 * Why one turn by default: since a claim walks the queue to its LIMIT (find-claimable.ts) a group costs
 * about a millisecond a member, and one turn makes the groups largest. bench/dispatch, 32 slots of
 * in-process volunteers: 257-384 accepted tasks/s with one turn, 197-273 with four, alternating
 * (BENCHMARKS.md). Four had looked better while each claim sorted the whole queue (20 ms).
 *
 * One more turn is kept for the interactive lane alone: a group of batch claims takes longer than one
 * claim did, and a synchronous request's client is waiting (interactive-lane.ts).
 */
export class ClaimGate<I, O> {
	private active = 0;
	/** Whether the lane's own turn is taken. */
	private laneTurn = false;
	private readonly lane: Waiting<I, O>[] = [];
	private readonly batch: Waiting<I, O>[] = [];

	constructor(
		private readonly options: { limit: number; max: number },
		private readonly claimGroup: (items: I[]) => Promise<O[]>
	) {}

	/** Claims `item` in a turn's group; `lane`: an interactive request's, which goes first. */
	claim(item: I, lane: boolean): Promise<O> {
		if (this.options.limit <= 0) return this.claimGroup([item]).then(([o]) => o);
		return new Promise<O>((resolve, reject) => {
			(lane ? this.lane : this.batch).push({ item, resolve, reject });
			if (this.active < this.options.limit) {
				this.active++;
				void this.turn(false, () => this.active--);
			} else if (lane && !this.laneTurn) {
				this.laneTurn = true;
				void this.turn(true, () => (this.laneTurn = false));
			}
		});
	}

	/** Claims waiting for a turn. */
	get waiting(): number {
		return this.lane.length + this.batch.length;
	}

	/**
	 * Runs groups while claims wait (`laneOnly`: the lane's turn, which takes lane claims alone), then gives
	 * the turn back (`release`) in the same step as it finds none waiting: a claim queued in between would
	 * otherwise find every turn taken and no turn left to take it.
	 */
	private async turn(laneOnly: boolean, release: () => void): Promise<void> {
		const max = Math.max(1, this.options.max);
		while (this.lane.length > 0 || (!laneOnly && this.batch.length > 0)) {
			const group = this.lane.splice(0, max);
			if (!laneOnly) group.push(...this.batch.splice(0, max - group.length));
			await this.settle(group);
		}
		release();
	}

	/**
	 * Claims a group and answers each member. A group that fails is claimed again member by member, so one
	 * claim that cannot be served (or a transient failure) costs the others nothing but a retry.
	 */
	private async settle(group: Waiting<I, O>[]): Promise<void> {
		try {
			const outcomes = await this.claimGroup(group.map((w) => w.item));
			group.forEach((w, i) => w.resolve(outcomes[i]));
		} catch (err) {
			if (group.length === 1) return group[0].reject(err);
			for (const w of group) await this.settle([w]);
		}
	}
}
