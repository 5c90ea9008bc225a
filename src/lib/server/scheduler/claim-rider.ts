import type { Db } from '../db';

/** Where a rider stands: not yet carried, committed with a claim, failed with one, or carried by none. */
export type RiderState = 'waiting' | 'rode' | 'failed' | 'unused';

/**
 * A write that rides in the transaction of a lane claim: an interactive job's insert, sent first in the claim
 * its first taker here makes (interactive-lane.ts). Created in the transaction that leases it, the job is never
 * seen queued by any other claim: a volunteer's ordinary request cannot take it first and leave the offer's
 * claims to find nothing (with batch work running that was one request in three, and each then cost one or two
 * empty claims, bench/interactive), and its insert costs no round trip of its own.
 *
 * Whoever is handed a rider settles it, and the first settlement counts: `rode` once a claim that carried it
 * committed; `failed` when that claim failed (its insert rolled back with it, except after a DatabaseTimeout,
 * when it may still commit); `unused` when no claim carried it (no target here could claim). Its creator then
 * knows whether the job exists: `outcome` resolves `rode` or `unused`, or rejects with the claim's error.
 */
export class ClaimRider {
	readonly outcome: Promise<'rode' | 'unused'>;
	private current: RiderState = 'waiting';
	private resolve!: (how: 'rode' | 'unused') => void;
	private reject!: (err: unknown) => void;

	/** `write` returns the statement unsent (a drizzle query is sent when first awaited): the claim sends it first. */
	constructor(private readonly write: (tx: Db) => PromiseLike<unknown>) {
		this.outcome = new Promise((resolve, reject) => {
			this.resolve = resolve;
			this.reject = reject;
		});
		// Its creator may stop listening (its client left); a failure it never reads must not end the process.
		this.outcome.catch(() => {});
	}

	get state(): RiderState {
		return this.current;
	}

	/** The write, in the claim's transaction `tx`; sent when the claim first awaits it. */
	ride(tx: Db): PromiseLike<unknown> {
		return this.write(tx);
	}

	rode(): void {
		if (this.settle('rode')) this.resolve('rode');
	}

	failed(err: unknown): void {
		if (this.settle('failed')) this.reject(err);
	}

	unused(): void {
		if (this.settle('unused')) this.resolve('unused');
	}

	private settle(state: RiderState): boolean {
		if (this.current !== 'waiting') return false;
		this.current = state;
		return true;
	}
}
