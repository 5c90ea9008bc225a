/**
 * The lease a volunteer holds beyond the tasks it runs (RESERVE_LEASES): asked for when a running task
 * starts its last slice, started the moment a slot frees, so no task waits on a request's round trip.
 * While it waits it is renewed like a running task, on its own timer (renewMs after it came or was last
 * renewed), and it goes back to the hub whenever the volunteer stops taking work, so a pause or a yield
 * never strands a task until its lease expires.
 */
import type { TaskLease } from '../protocol/events';
import type { Clock } from './clock';
import type { LoopSocket } from './volunteer-socket';

export class LeaseReserve {
	/** `since`: when the lease was issued or last renewed. */
	private held: { lease: TaskLease; since: number }[] = [];
	/** Cancels the timer of the next renewal due, while leases are held. */
	private cancelTimer: (() => void) | null = null;

	constructor(
		private readonly socket: LoopSocket,
		/** How long a reserved lease waits before it is renewed (the work loop sets it from the hub's lease length). */
		public renewMs: number,
		private readonly clock: Clock
	) {}

	get size() {
		return this.held.length;
	}

	add(leases: TaskLease[]) {
		this.held.push(...leases.map((lease) => ({ lease, since: this.clock.now() })));
		this.arm();
	}

	/** The next lease to start: an interactive request's first (its client waits), then in the order they came. */
	take(): TaskLease | undefined {
		const i = this.held.findIndex((r) => r.lease.lane === 'interactive');
		return this.held.splice(Math.max(i, 0), 1)[0]?.lease;
	}

	/** Gives every reserved lease back to the hub now. */
	release() {
		for (const { lease } of this.held.splice(0)) {
			if (this.socket.connected) this.socket.emit('task:release', { taskId: lease.taskId, leaseToken: lease.leaseToken }, () => {});
		}
		this.arm();
	}

	/** Drops leases without a word to the hub: all of them (the connection dropped), or those it cancelled. Returns those dropped. */
	forget(taskIds?: number[]): TaskLease[] {
		const dropped = this.held.filter((r) => !taskIds || taskIds.includes(r.lease.taskId));
		this.held = this.held.filter((r) => !dropped.includes(r));
		this.arm();
		return dropped.map((r) => r.lease);
	}

	/** Renews the leases that have waited `renewMs`; one the hub no longer gives this volunteer is dropped. */
	renew() {
		const now = this.clock.now();
		for (const r of this.held.filter((r) => now - r.since >= this.renewMs)) {
			r.since = now;
			const { taskId, leaseToken } = r.lease;
			this.socket.emit('task:progress', { taskId, leaseToken, done: 0 }, (reply) => {
				if (!reply.ok) this.held = this.held.filter((x) => x !== r);
			});
		}
		this.arm();
	}

	/** Sets the timer for the next lease due a renewal; none while the reserve is empty. */
	private arm() {
		this.cancelTimer?.();
		this.cancelTimer = null;
		if (this.held.length === 0) return;
		const due = Math.min(...this.held.map((r) => r.since)) + this.renewMs - this.clock.now();
		this.cancelTimer = this.clock.after(Math.max(0, due), () => {
			this.cancelTimer = null;
			this.renew();
		});
	}
}
