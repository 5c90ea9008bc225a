/**
 * A volunteer's work loop, shared by the browser tab and the headless volunteer so the two cannot
 * drift: authenticate in the handshake, ask for work when ready, run each task on an executor, hand the result back under
 * its lease token, renew the lease while a long task progresses, give leases back when stopped.
 * It knows neither the DOM nor Node; the caller supplies the socket, the executor and the clock its
 * timers run on (a browser tab's must not be the page's own: see clock.ts). Between timers it is
 * driven by events: the hub's answers and nudges, and the executor's progress.
 */
import { RESERVE_LEASES, type ModelLimits, type TaskLease, type Welcome } from '../protocol/events';
import type { Backend, Readiness, VolunteerMode } from '../protocol/volunteer';
import type { RunnableTask } from '../executor/run-options';
import type { ModelVariant } from '../protocol/variants';
import { TextRelay } from './text-relay';
import { giveBack, handIn, type TaskEnd } from './hand-in';
import { ResultBatcher } from './result-batch';
import { LeaseReserve } from './lease-reserve';
import { systemClock, type Clock } from './clock';
import type { LoopSocket } from './volunteer-socket';
import { authenticateWith, type Credentials, type Handshake } from './hub-handshake';

export type ConnectionState = 'connecting' | 'connected' | 'offline';

export interface ExecutorHooks {
	onProgress: (done: number) => void;
	/** Generated text as it is made, for input `index` of the task. */
	onText: (index: number, delta: string) => void;
	/** The task started its last slice (an executor that cannot tell never calls it). */
	onLastSlice?: () => void;
	/** An interactive request's task, whose client waits: its slices go ahead of other tasks' (duty-governor.ts). */
	urgent?: boolean;
}

export interface Executor {
	backend: Backend;
	/** Rejects with an error whose `name` is AbortError when `signal` aborts. */
	run(
		task: RunnableTask,
		hooks: ExecutorHooks,
		signal: AbortSignal
	): Promise<{ outputs: unknown[]; variant: ModelVariant; durationMs: number }>;
}

export interface WorkLoopHost {
	/** What to present in the handshake: the stored identity and this volunteer's current state. */
	credentials(): Promise<Credentials>;
	saveIdentity(identity: string, volunteerId: string): Promise<void> | void;
	readiness(): Readiness;
	mode(): VolunteerMode;
	/** Tasks to run at once now (the power tier's cap); absent: `options.concurrency`. */
	maxTasks?(): number;
	/** The owner's limits on which models to take, sent with each request; absent or undefined: none. */
	modelLimits?(): Promise<ModelLimits | undefined>;
}

export interface WorkLoopListener {
	connection?(state: ConnectionState): void;
	/** The hub accepted the handshake: who this volunteer is and the credit it holds. */
	welcomed?(welcome: Welcome): void;
	taskStarted?(lease: TaskLease): void;
	progress?(lease: TaskLease, done: number): void;
	taskEnded?(lease: TaskLease, outcome: { accepted: boolean; durationMs?: number; error?: string }): void;
	/** A task request was answered: how many tasks came back and the round trip in milliseconds. */
	leaseAnswered?(tasks: number, ms: number): void;
	log?(line: string): void;
}

export interface WorkLoopOptions {
	/** Tasks run at once. */
	concurrency: number;
	ackMs: number;
	/** Idle volunteers also ask on this period, in case a work:available nudge was missed. */
	pollMs: number;
	/** Running and reserved leases are renewed this often (more often on a hub with short leases: renewalPeriod). */
	renewMs: number;
	/** The readiness report (status) is sent this often, and at once when it changes what the hub gates on. */
	heartbeatMs: number;
	/** What the heartbeat, the polls and the text relay's batching wait on. */
	clock: Clock;
}

export const DEFAULT_LOOP_OPTIONS: WorkLoopOptions = {
	concurrency: 1,
	ackMs: 15_000,
	pollMs: 5_000,
	renewMs: 5_000,
	heartbeatMs: 10_000,
	clock: systemClock
};

/**
 * How often to renew a lease on a hub whose leases last `leaseMs`: `renewMs`, or a third of the lease when
 * that is sooner. A renewal can be held up (a timer late on a loaded machine, a busy hub, a slow answer),
 * so it must leave room: at a third, one renewal can be lost or late by a whole period and the lease still
 * holds. (A fixed 5 s on the test's 6 s leases left under a second, and a loaded CI run lost a lease.)
 * A welcome without a usable length (an older hub) keeps `renewMs`; none renews more often than
 * MIN_RENEW_MS, whatever a hub says.
 */
export function renewalPeriod(renewMs: number, leaseMs: number | undefined): number {
	if (typeof leaseMs !== 'number' || !(leaseMs > 0)) return renewMs;
	return Math.max(MIN_RENEW_MS, Math.min(renewMs, leaseMs / 3));
}

/** The shortest renewal period: a hub's shortest lease (1 s) over three, rounded down. */
const MIN_RENEW_MS = 300;

export class WorkLoop {
	private running = new Map<number, { lease: TaskLease; controller: AbortController; lastSlice: boolean }>();
	private readonly reserve: LeaseReserve;
	/** Results ready together leave in one message (result-batch.ts). */
	private readonly results: ResultBatcher;
	/** Give-backs of leases a dropped connection stopped, sent at the next welcome (hand-in.ts's giveBack). */
	private readonly owed: (() => void)[] = [];
	private connected = false;
	private stopped = false;
	private resolveSleep: (() => void) | null = null;
	private stopHeartbeat: (() => void) | null = null;
	/** A wake-up that came while the loop was not sleeping (asking for work, say): its next sleep returns at once. */
	private wakePending = false;
	/** The hub nudged for an interactive request while every slot was busy: ask for it on the lane (interactive-lane.ts). */
	private laneAsk = false;
	/** Set by drain(): no new tasks; the waiters are told when the running ones are done. */
	private draining = false;
	private drained: (() => void)[] = [];
	private readonly options: WorkLoopOptions;
	private readonly handshake: Handshake;
	/** How often a lease is renewed: options.renewMs until the hub's welcome says how long its leases last. */
	private renewMs: number;

	constructor(
		private readonly socket: LoopSocket,
		private readonly executor: Executor,
		private readonly host: WorkLoopHost,
		private readonly listener: WorkLoopListener = {},
		options: Partial<WorkLoopOptions> = {}
	) {
		this.options = { ...DEFAULT_LOOP_OPTIONS, ...options };
		this.renewMs = this.options.renewMs;
		this.reserve = new LeaseReserve(socket, this.renewMs, this.options.clock);
		this.results = new ResultBatcher(socket, this.options.ackMs, this.options.clock);
		this.handshake = authenticateWith(socket, () => host.credentials(), {
			clock: this.options.clock,
			log: (line) => this.listener.log?.(line)
		});
		socket.on('welcome', (welcome) => void this.welcomed(welcome));
		socket.on('disconnect', () => {
			this.connected = false;
			this.listener.connection?.('offline');
			// A hub that saw the connection drop released its leases: finishing them would be wasted work. They are
			// given back at the next welcome all the same (giveBack), in case the hub crashed and released nothing.
			for (const { taskId, leaseToken } of this.reserve.forget())
				this.owe(() => socket.emit('task:release', { taskId, leaseToken }, () => {}));
			this.abortAll();
		});
		socket.on('work:available', (nudge) => {
			if (nudge?.lane === 'interactive') this.laneAsk = true;
			this.wake();
		});
		socket.on('task:offer', ({ tasks }, ack) => ack({ taken: this.offered(tasks) }));
		socket.on('task:cancelled', ({ taskIds }) => {
			for (const id of taskIds) this.running.get(id)?.controller.abort();
			this.reserve.forget(taskIds);
		});
	}

	start() {
		this.stopHeartbeat = this.options.clock.every(this.options.heartbeatMs, () => this.report());
		this.listener.connection?.('connecting');
		if (!this.socket.connected) this.socket.connect();
		void this.loop();
	}

	/** Stops computing now; running tasks' leases are given back. */
	stop() {
		this.stopHeartbeat?.();
		this.handshake.cancel();
		this.stopped = true;
		this.abortAll();
		this.wake();
	}

	/**
	 * Takes no new tasks and resolves once the running ones have finished and been handed in (or given
	 * back). An app update waits on this so it never cuts a task short.
	 */
	drain(): Promise<void> {
		this.draining = true;
		this.reserve.release();
		if (this.running.size === 0) return Promise.resolve();
		return new Promise((resolve) => this.drained.push(resolve));
	}

	/** Takes new tasks again after drain() (the owner resumed after "finish, then stop"). */
	undrain() {
		this.draining = false;
		this.wake();
	}

	/**
	 * Tell the hub about a changed mode or readiness at once; when work is no longer allowed, running
	 * tasks stop now (a yield: their finished inputs go back as checkpoints), and past a lowered cap the
	 * newest ones do.
	 */
	statusChanged() {
		this.report();
		if (!this.mayWork()) this.abortAll();
		else [...this.running.values()].slice(this.capacity()).forEach(({ controller }) => controller.abort());
		this.wake();
	}

	/** The heartbeat: the readiness report, changed or not. */
	private report() {
		if (!this.connected) return;
		this.socket.emit('status', { mode: this.host.mode(), readiness: this.host.readiness() }, () => {});
	}

	private mayWork() {
		return this.host.mode() !== 'paused' && this.host.readiness().ready;
	}

	private capacity() {
		return this.host.maxTasks?.() ?? this.options.concurrency;
	}

	/** Stops every running task and gives the reserved leases back. */
	private abortAll() {
		this.reserve.release();
		for (const { controller } of this.running.values()) controller.abort();
	}

	/** Keeps a message for the hub until the volunteer is welcomed back (one per lease a dropped connection stopped). */
	private owe(send: () => void) {
		this.owed.push(send);
	}

	private async welcomed(welcome: Welcome) {
		for (const send of this.owed.splice(0)) send();
		this.renewMs = this.reserve.renewMs = renewalPeriod(this.options.renewMs, welcome.leaseMs);
		await this.host.saveIdentity(welcome.identity, welcome.volunteerId);
		this.listener.welcomed?.(welcome);
		this.connected = true;
		this.listener.connection?.('connected');
		this.wake();
	}

	private async loop() {
		while (!this.stopped) {
			this.startReserved();
			await this.askOnLane();
			const wanted = this.mayTake() ? this.wanted() : 0;
			const leases = wanted > 0 ? await this.request(wanted) : [];
			// An interactive task asked for as a reserve (it was first in the queue) must not wait for a batch task to end.
			this.reserve.add(leases.filter((lease) => !this.startedOnLane(lease)));
			// Stopped, paused or draining while the request was out: what it brought goes straight back.
			if (!this.mayTake()) this.reserve.release();
			this.startReserved();
			if (leases.length === 0) await this.sleep(this.options.pollMs);
		}
	}

	private mayTake() {
		return this.connected && !this.draining && this.mayWork();
	}

	/** Free slots, plus the reserve once a running task is on its last slice, less the leases in hand. */
	private wanted() {
		const finishing = [...this.running.values()].some((r) => r.lastSlice) ? RESERVE_LEASES : 0;
		return this.capacity() + finishing - this.running.size - this.reserve.size;
	}

	/**
	 * A busy volunteer nudged for an interactive request asks for it past its reserve and starts it at
	 * once, alongside its running task, one slot past its cap (the lane's slot, LANE_SLOTS): a request
	 * whose client waits must not wait out a batch task sized to run for half a minute. On a worker that
	 * paces its tasks together (duty-governor.ts) the interactive task's slices go first, so the batch task
	 * finishes its current slice and waits. An idle one needs no lane: its ordinary request gets the
	 * interactive task first.
	 */
	private async askOnLane() {
		if (!this.laneAsk) return;
		this.laneAsk = false;
		if (!this.mayTake() || this.running.size < this.capacity()) return;
		const leases = await this.request(1, 'interactive');
		if (this.mayTake()) return leases.forEach((lease) => void this.runTask(lease, true));
		// Stopped, paused or draining while the request was out: it goes straight back, with the reserve.
		this.reserve.add(leases);
		this.reserve.release();
	}

	/**
	 * Interactive tasks the hub leased to this volunteer unasked (interactive-lane.ts): each starts at once
	 * as a lane request's would, up to one past the cap. Returns those taken; the hub releases the rest
	 * (stopped, paused, draining, or the lane's slot taken) and offers them elsewhere.
	 */
	private offered(leases: TaskLease[]): number[] {
		const taken: number[] = [];
		for (const lease of leases) {
			if (!this.mayTake() || this.running.size > this.capacity()) continue;
			void this.runTask(lease, true);
			taken.push(lease.taskId);
		}
		return taken;
	}

	/**
	 * Starts an interactive lease at once when the lane's slot (one past the cap) is free, as an offered one is;
	 * false for a batch lease, or when the slot is taken (it is then reserved, and starts urgent from there).
	 */
	private startedOnLane(lease: TaskLease): boolean {
		if (lease.lane !== 'interactive' || !this.mayTake() || this.running.size > this.capacity()) return false;
		void this.runTask(lease, true);
		return true;
	}

	private startReserved() {
		while (this.mayTake() && this.running.size < this.capacity() && this.reserve.size > 0) {
			const lease = this.reserve.take()!;
			void this.runTask(lease, lease.lane === 'interactive');
		}
	}

	private async request(slots: number, lane?: 'interactive'): Promise<TaskLease[]> {
		// Limits that cannot be read now ask for nothing: leasing without them could download what the owner refused.
		const models = await this.host.modelLimits?.().catch(() => null);
		if (models === null) return [];
		const started = performance.now();
		const reply = await this.socket
			.timeout(this.options.ackMs)
			.emitWithAck('task:request', { slots, ...(models && { models }), ...(lane && { lane }) })
			.catch(() => null);
		const tasks = reply?.ok ? reply.tasks : [];
		this.listener.leaseAnswered?.(tasks.length, performance.now() - started);
		return tasks;
	}

	private async runTask(lease: TaskLease, urgent = false) {
		const controller = new AbortController();
		const entry = { lease, controller, lastSlice: false };
		this.running.set(lease.taskId, entry);
		this.listener.taskStarted?.(lease);
		const { clock } = this.options;
		const ids = { taskId: lease.taskId, leaseToken: lease.leaseToken };
		// The lease is renewed on the clock, every renewMs, with the inputs done so far, not at the end of a slice: a
		// model still loading, a slow first slice or a long rest at a low CPU cap would otherwise outlast a short
		// lease. The hub still decides (renew-lease.ts): a renewal that shows no progress holds the lease only for
		// one input's share of its lifetime. One it refuses as no longer ours stops the task: its work would be wasted.
		let done = 0;
		const renew = () => {
			cancelRenewal = clock.after(this.renewMs, renew);
			this.socket.emit('task:progress', { ...ids, done }, (reply) => {
				if (!reply.ok && reply.code === 'stale_lease') controller.abort();
			});
		};
		let cancelRenewal = clock.after(this.renewMs, renew);
		const onProgress = (n: number) => {
			done = n;
			this.listener.progress?.(lease, n);
		};
		const relay = new TextRelay((index, offset, text) => this.socket.emit('task:text', { ...ids, index, offset, text }), clock);
		try {
			const onLastSlice = () => {
				entry.lastSlice = true;
				this.wake();
			};
			const { outputs, variant, durationMs } = await this.executor.run(
				lease,
				{ onProgress, onText: (i, d) => relay.push(i, d), onLastSlice, urgent },
				controller.signal
			);
			relay.flush();
			// Free the slot before delivering, so a reserved lease starts (or the next is asked for) while this result is committed.
			this.running.delete(lease.taskId);
			this.wake();
			this.ended(lease, await handIn(this.results, lease, { outputs, variant, durationMs, backend: this.executor.backend }, urgent));
		} catch (e) {
			relay.cancel();
			this.ended(
				lease,
				giveBack(this.socket, lease, e as Error, (send) => this.owe(send))
			);
		} finally {
			cancelRenewal();
			this.running.delete(lease.taskId);
			if (this.running.size === 0) for (const resolve of this.drained.splice(0)) resolve();
			this.wake();
		}
	}

	private ended(lease: TaskLease, end: TaskEnd) {
		this.listener.log?.(end.line);
		this.listener.taskEnded?.(lease, end);
	}

	private wake() {
		const resolve = this.resolveSleep;
		this.resolveSleep = null;
		if (resolve) resolve();
		else this.wakePending = true;
	}

	private sleep(ms: number) {
		if (this.wakePending) {
			this.wakePending = false;
			return Promise.resolve();
		}
		return new Promise<void>((resolve) => {
			const cancel = this.options.clock.after(ms, () => {
				this.resolveSleep = null;
				resolve();
			});
			this.resolveSleep = () => {
				cancel();
				resolve();
			};
		});
	}
}
