/**
 * At most `limit` claims of one hub process in the database at once (EXOSTACK_CLAIM_CONCURRENCY; 0: no
 * limit); the others wait their turn, an interactive lane's claim ahead of batch ones.
 *
 * Why: without a limit, hundreds of volunteers asking at once each hold a pool connection for a claim's
 * transaction, and the results, renewals and status reports queue behind them. At 1,500 volunteers
 * (bench/dispatch's busy part) more than a thousand hand-ins then outlived the volunteers' acknowledgement
 * timeout and the event loop lagged; with 2-8 turns none did, and more tasks were accepted (BENCHMARKS.md).
 * Fewer claims in flight also means fewer rows held locked (FOR UPDATE SKIP LOCKED keeps them queued until
 * commit) for each claim to walk past. Claims of other hub processes still run beside these, as before.
 */
export class ClaimGate {
	private active = 0;
	private readonly lane: (() => void)[] = [];
	private readonly batch: (() => void)[] = [];

	constructor(private readonly limit: number) {}

	/** Runs `claim` once a turn is free (at once, with no limit); `lane`: an interactive request's, which goes first. */
	async run<T>(lane: boolean, claim: () => Promise<T>): Promise<T> {
		if (this.limit <= 0) return claim();
		if (this.active < this.limit) this.active++;
		else await new Promise<void>((go) => (lane ? this.lane : this.batch).push(go));
		try {
			return await claim();
		} finally {
			// The turn passes straight to the next in line, so a newcomer cannot slip in between.
			const next = this.lane.shift() ?? this.batch.shift();
			if (next) next();
			else this.active--;
		}
	}

	/** Claims waiting for a turn. */
	get waiting(): number {
		return this.lane.length + this.batch.length;
	}
}
