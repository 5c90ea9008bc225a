/**
 * Stand-ins for the work loop's specs: a hub socket whose answers the spec writes, typed by the
 * protocol's event maps (so a spec cannot send or answer what the hub would not), and a clock that
 * moves only when the spec moves it (so what waits on time is seen to wait on the clock it was given).
 */
import type { TaskLease, VolunteerAuth, VolunteerClientToServer, VolunteerServerToClient, Welcome } from '../protocol/events';
import type { Clock } from './clock';
import type { AckOf, LoopSocket } from './volunteer-socket';

type Emits = VolunteerClientToServer;
type Payload<E extends keyof Emits> = Parameters<Emits[E]>[0];
type Acked = { [E in keyof Emits]: Parameters<Emits[E]> extends [unknown, (reply: never) => void] ? E : never }[keyof Emits];
type Hears = VolunteerServerToClient & { connect: () => void; disconnect: () => void; connect_error: (err: Error) => void };

/** One message the volunteer sent, as the hub would read it. */
export type Sent = { [E in keyof Emits]: { event: E; payload: Payload<E> } }[keyof Emits];

export class FakeHubSocket implements LoopSocket {
	connected = false;
	/** Set by the volunteer: what it presents in each handshake. */
	auth: object | ((cb: (data: object) => void) => void) = {};
	/** Everything the volunteer sent, in order. */
	readonly sent: Sent[] = [];
	/** What the volunteer presented at each connection, in order. */
	readonly handshakes: VolunteerAuth[] = [];
	/** How the hub welcomes a handshake (it accepts every one). */
	welcome: (auth: VolunteerAuth) => Welcome = () => ({
		volunteerId: 'v1',
		identity: 'signed',
		sessionId: 's1',
		credit: { tasksDone: 0, inputsDone: 0 },
		leaseMs: 60_000
	});
	private readonly listeners: { [E in keyof Hears]: Hears[E][] } = {
		connect: [],
		disconnect: [],
		connect_error: [],
		welcome: [],
		'work:available': [],
		'task:cancelled': [],
		'task:offer': []
	};
	private readonly answers: { [E in Acked]?: (payload: Payload<E>) => AckOf<E> } = {};

	/** How the hub answers `event` from now on; unanswered events get `{ ok: true }` (task:request: no tasks). */
	answer<E extends Acked>(event: E, reply: (payload: Payload<E>) => AckOf<E>) {
		(this.answers as Record<E, (payload: Payload<E>) => AckOf<E>>)[event] = reply;
	}

	/** The payloads of what was sent as `event`. */
	payloads<E extends keyof Emits>(event: E): Payload<E>[] {
		return this.sent.filter((m): m is Extract<Sent, { event: E }> => m.event === event).map((m) => m.payload);
	}

	/** The handshake: the volunteer's auth is read and accepted, then the connection opens and the hub welcomes it. */
	connect() {
		const auth = this.auth;
		const accept = (data: object) => {
			const presented = data as VolunteerAuth;
			this.handshakes.push(presented);
			this.connected = true;
			for (const l of this.listeners.connect) l();
			this.push('welcome', this.welcome(presented));
		};
		if (typeof auth === 'function') auth(accept);
		else accept(auth);
	}

	/** The connection drops (the hub has released this session's leases). */
	drop() {
		this.connected = false;
		for (const l of this.listeners.disconnect) l();
	}

	/** The hub sends `event`. */
	push<E extends keyof VolunteerServerToClient>(event: E, ...args: Parameters<VolunteerServerToClient[E]>) {
		for (const l of this.listeners[event]) (l as (...a: typeof args) => void)(...args);
	}

	on<E extends keyof Hears>(event: E, listener: Hears[E]) {
		this.listeners[event].push(listener);
		return this;
	}

	emit<E extends keyof Emits>(event: E, ...args: Parameters<Emits[E]>) {
		this.sent.push({ event, payload: args[0] } as Sent);
		const ack = args[1];
		if (typeof ack === 'function') {
			const reply = this.reply(event as Acked, args[0] as never);
			void Promise.resolve().then(() => (ack as (r: unknown) => void)(reply));
		}
		return this;
	}

	/** An answer that throws stands for one that never came: the send times out. */
	timeout(_ms: number) {
		return {
			emitWithAck: async <E extends Acked>(event: E, payload: Payload<E>): Promise<AckOf<E>> => {
				this.sent.push({ event, payload } as Sent);
				return this.reply(event, payload);
			}
		};
	}

	private reply<E extends Acked>(event: E, payload: Payload<E>): AckOf<E> {
		const answer = this.answers[event] as ((p: Payload<E>) => AckOf<E>) | undefined;
		if (answer) return answer(payload);
		if (event === 'task:results')
			return { ok: true, results: (payload as Payload<'task:results'>).results.map(() => ({ ok: true })) } as AckOf<E>;
		return (event === 'task:request' ? { ok: true, tasks: [] } : { ok: true }) as AckOf<E>;
	}
}

/** A Clock that moves only when `advance` moves it. */
export class ManualClock implements Clock {
	private time = 0;
	private nextId = 1;
	private timers: { id: number; due: number; fn: () => void; period?: number }[] = [];

	now() {
		return this.time;
	}

	after(ms: number, fn: () => void) {
		return this.add({ id: this.nextId++, due: this.time + ms, fn });
	}

	every(ms: number, fn: () => void) {
		return this.add({ id: this.nextId++, due: this.time + ms, fn, period: ms });
	}

	/** Timers waiting to fire. */
	get pending() {
		return this.timers.length;
	}

	/** Moves time on by `ms`, firing every timer due on the way in order, and letting promises settle after each. */
	async advance(ms: number) {
		const end = this.time + ms;
		await settle();
		for (;;) {
			const next = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.id - b.id)[0];
			if (!next) break;
			this.time = next.due;
			if (next.period) next.due += next.period;
			else this.timers = this.timers.filter((t) => t !== next);
			next.fn();
			await settle();
		}
		this.time = end;
	}

	private add(timer: { id: number; due: number; fn: () => void; period?: number }) {
		this.timers.push(timer);
		return () => (this.timers = this.timers.filter((t) => t !== timer));
	}
}

/** Lets pending promise callbacks (and the hub's fake acknowledgements) run. */
export function settle() {
	return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** A lease as the hub would grant it, for task `taskId`. */
export function lease(taskId: number, inputs = ['a', 'b']): TaskLease {
	return {
		taskId,
		leaseToken: `00000000-0000-4000-8000-${String(taskId).padStart(12, '0')}`,
		leaseExpiresAt: 60_000,
		jobId: '11111111-1111-4111-8111-111111111111',
		taskType: 'embedding',
		model: { id: 'demo-embedding', taskTypes: ['embedding'], files: [{ path: 'onnx/model.onnx', sha256: '0'.repeat(64), size: 1 }] },
		params: {},
		variant: 'fp32',
		inputs,
		resumeAt: 0
	};
}
