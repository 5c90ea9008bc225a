import { DatabaseTimeout } from '../db/reach';

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
 *
 * A group still unanswered after `deadlineMs` gives its turn back: its members are refused with a
 * DatabaseTimeout (told to try again), and whatever it claims when it does end goes to `abandoned`, which
 * gives the leases back. Without it, one claim whose connection went silent (a database failover that drops
 * packets rather than closing connections, where the driver waits for TCP to give up, many minutes) held
 * the one turn, and this process leased nothing more meanwhile.
 */
export class ClaimGate<I, O> {
	private active = 0;
	/** Whether the lane's own turn is taken. */
	private laneTurn = false;
	private readonly lane: Waiting<I, O>[] = [];
	private readonly batch: Waiting<I, O>[] = [];

	constructor(
		private readonly options: { limit: number; max: number; deadlineMs: number; abandoned: (items: I[], outcomes: O[]) => void },
		private readonly claimGroup: (items: I[]) => Promise<O[]>
	) {}

	/** Claims `item` in a turn's group; `lane`: an interactive request's, which goes first. */
	claim(item: I, lane: boolean): Promise<O> {
		if (this.options.limit <= 0) return this.withinDeadline([item]).then(([o]) => o);
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
	 * claim that cannot be served (or a transient failure) costs the others nothing but a retry; one past
	 * its deadline is not (each member alone would likely wait as long again).
	 */
	private async settle(group: Waiting<I, O>[]): Promise<void> {
		try {
			const outcomes = await this.withinDeadline(group.map((w) => w.item));
			group.forEach((w, i) => w.resolve(outcomes[i]));
		} catch (err) {
			if (group.length === 1 || err instanceof DatabaseTimeout) return group.forEach((w) => w.reject(err));
			for (const w of group) await this.settle([w]);
		}
	}

	/** The group's claim, or a DatabaseTimeout once `deadlineMs` has passed; what it claims after that is abandoned. */
	private withinDeadline(items: I[]): Promise<O[]> {
		const claim = this.claimGroup(items);
		let timer: ReturnType<typeof setTimeout> | undefined;
		const late = new Promise<never>((_, reject) => {
			timer = setTimeout(() => {
				claim.then(
					(outcomes) => this.options.abandoned(items, outcomes),
					() => {} // it claimed nothing: nothing to give back
				);
				reject(new DatabaseTimeout(`the claim had no answer from the database within ${this.options.deadlineMs} ms`));
			}, this.options.deadlineMs);
		});
		return Promise.race([claim, late]).finally(() => clearTimeout(timer));
	}
}
