/**
 * At most `limit` claims of one hub process in the database at once (EXOSTACK_CLAIM_CONCURRENCY; 0: no
 * limit); the others wait their turn, an interactive lane's claim ahead of batch ones.
 *
 * Why a limit makes claims faster: a claim walks the queue from its head (find-claimable.ts), evaluating
 * the claim rules on each row and skipping the rows other claims hold locked (FOR UPDATE SKIP LOCKED),
 * which stay queued until those claims commit. With hundreds of volunteers asking at once, each claim
 * walks past the rows of all the others, so PostgreSQL's work per claim grows with the number of claims
 * in flight and the queue stops moving (bench/dispatch's busy part). In turns, each claim walks only
 * the rows it takes. Claims of other hub processes still run beside these, as before.
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
