import type { CurrentLease } from './current-leases';
import type { LeaseClaim } from './lease-transitions';

/**
 * The leases this hub process granted, as a result's checks need them (current-leases.ts), kept from the
 * claim that granted them so that handing a result in costs no read of its lease: one round trip fewer
 * for every result, and for an interactive request's answer.
 *
 * Only what cannot change while the lease lives is kept (the task, its job's replication and parameters,
 * the model's cost, the lease's class), and nothing here decides who holds a lease: the statement that
 * settles the result still matches it against the lease fence, so a result for a lease that expired,
 * was released or was never this volunteer's changes nothing, book or no book. A lease not found here (granted
 * by another process, or before a restart, or evicted) is read as before.
 */
export class LeaseBook {
	private readonly leases = new Map<string, CurrentLease>();

	/** `max`: the most leases kept; past it the oldest go (they are read again if their result comes). */
	constructor(private readonly max = 100_000) {}

	keep(lease: CurrentLease) {
		this.leases.set(keyOf(lease), lease);
		if (this.leases.size > this.max) this.leases.delete(this.leases.keys().next().value!);
	}

	/** The lease `c` claims to hold, if it was granted here to that volunteer; forgotten, since its result is coming in now. */
	take(c: LeaseClaim): CurrentLease | undefined {
		const key = keyOf(c);
		const lease = this.leases.get(key);
		this.leases.delete(key);
		return lease;
	}

	/** The lease `c` claims to hold, if it was granted here to that volunteer, left in the book. */
	peek(c: LeaseClaim): CurrentLease | undefined {
		return this.leases.get(keyOf(c));
	}

	/** The lease ended otherwise (a failure, a release, a checkpoint). */
	forget(c: LeaseClaim) {
		this.leases.delete(keyOf(c));
	}

	get size() {
		return this.leases.size;
	}
}

function keyOf(c: Pick<CurrentLease, 'taskId' | 'leaseToken' | 'volunteerId'> | LeaseClaim): string {
	return `${c.taskId}:${c.leaseToken}:${c.volunteerId}`;
}
