/**
 * Every client→server Socket.IO event of the hub, one table per namespace: event → arbitrary payload
 * (a valid one, usually broken by `payloadFor`), plus the handshake's `auth`, where a volunteer
 * authenticates (`handshakeAuth`, `authenticatedVolunteer`). The tables are `Record`s over the
 * protocol's event maps, so a new event does not compile until it is fuzzed.
 */
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import {
	DASHBOARD_NAMESPACE,
	VOLUNTEER_NAMESPACE,
	type DashboardClientToServer,
	type VolunteerAuth,
	type VolunteerClientToServer,
	type Welcome
} from '../../../src/lib/protocol/events';
import { nodeCapabilities, serverReadiness } from '../../../src/lib/headless/headless-volunteer';
import { payloadFor } from './hostile';

/** A lease the fuzzing volunteer really holds, so task events reach the fence and the result checks. */
export interface LeaseContext {
	taskId: number;
	leaseToken: string;
	jobId: string;
	inputs: number;
	/** The length of one output vector of the job's model. */
	dims: number;
}

export interface SocketContext {
	identity: string;
	/** The admin token: a dashboard presents it (or a key) in its handshake to watch a job. */
	token: string;
	/** A submitter's API key (not the admin's), the owner of `keyJobId`. */
	apiKey: string;
	jobId: string;
	leases: LeaseContext[];
}

type Events = Record<string, (ctx: SocketContext) => fc.Arbitrary<unknown>>;

/** What a well-behaved headless volunteer presents in its handshake. */
export function volunteerAuth(identity: string | null): VolunteerAuth {
	return { identity, capabilities: nodeCapabilities(), mode: 'always', readiness: serverReadiness('always') };
}

const mode = fc.constantFrom('always', 'auto', 'paused');
const readiness = fc.constantFrom(serverReadiness('always'), serverReadiness('auto'), { score: 10, ready: false });

/** A real lease now and then, else a well-formed stranger's. */
function lease(ctx: SocketContext) {
	const strangers = fc.record({
		taskId: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
		leaseToken: fc.uuid(),
		inputs: fc.constant(2),
		dims: fc.constant(4)
	});
	return ctx.leases.length === 0 ? strangers : fc.oneof(fc.constantFrom(...ctx.leases), strangers);
}

/** An owner's model limits (volunteer controls) as a task request carries them; the hostile builder breaks them. */
const modelLimits = fc.record(
	{
		only: fc.array(fc.constantFrom('demo-embedding', 'demo-classifier', 'no-such-model'), { maxLength: 3 }),
		maxDownloadBytes: fc.nat({ max: 1e9 }),
		cached: fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 3 })
	},
	{ requiredKeys: [] }
);
const vector = (dims: number) => fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: dims, maxLength: dims });

/** A result for a lease the fuzzer holds, or a stranger's. */
function result(ctx: SocketContext) {
	return lease(ctx).chain((l) =>
		fc.record({
			taskId: fc.constant(l.taskId),
			leaseToken: fc.constant(l.leaseToken),
			backend: fc.constant('native'),
			variant: fc.constant('fp32'),
			durationMs: fc.nat({ max: 100_000 }),
			outputs: fc.array(vector(l.dims), { minLength: l.inputs, maxLength: l.inputs })
		})
	);
}

export const volunteerEvents: Record<keyof VolunteerClientToServer, (ctx: SocketContext) => fc.Arbitrary<unknown>> = {
	status: () => fc.record({ mode, readiness }),
	'task:request': () =>
		fc.record(
			{ slots: fc.integer({ min: 1, max: 16 }), models: modelLimits, lane: fc.constant('interactive') },
			{ requiredKeys: ['slots'] }
		),
	'task:progress': (ctx) =>
		lease(ctx).chain((l) =>
			fc.record({ taskId: fc.constant(l.taskId), leaseToken: fc.constant(l.leaseToken), done: fc.nat({ max: l.inputs }) })
		),
	'task:result': (ctx) => result(ctx),
	// Real leases beside forged ones in one batch, the same lease twice, and (broken by payloadFor) too many or too big.
	'task:results': (ctx) => fc.record({ results: fc.array(result(ctx), { minLength: 1, maxLength: 4 }) }),
	'task:fail': (ctx) =>
		lease(ctx).chain((l) =>
			fc.record({ taskId: fc.constant(l.taskId), leaseToken: fc.constant(l.leaseToken), error: fc.string({ maxLength: 50 }) })
		),
	'task:release': (ctx) => lease(ctx).map((l) => ({ taskId: l.taskId, leaseToken: l.leaseToken })),
	'task:checkpoint': (ctx) =>
		lease(ctx).chain((l) =>
			fc.record({
				taskId: fc.constant(l.taskId),
				leaseToken: fc.constant(l.leaseToken),
				outputs: fc.array(vector(l.dims), { maxLength: Math.max(l.inputs - 1, 0) })
			})
		),
	'task:text': (ctx) =>
		lease(ctx).chain((l) =>
			fc.record({
				taskId: fc.constant(l.taskId),
				leaseToken: fc.constant(l.leaseToken),
				index: fc.nat({ max: 10 }),
				offset: fc.nat({ max: 100 }),
				text: fc.string({ minLength: 1, maxLength: 40 })
			})
		)
};

export const dashboardEvents: Record<keyof DashboardClientToServer, (ctx: SocketContext) => fc.Arbitrary<unknown>> = {
	'job:watch': (ctx) => fc.record({ jobId: fc.oneof(fc.constant(ctx.jobId), fc.uuid()) }),
	'overview:watch': () => fc.constant({}),
	'leaderboard:watch': () => fc.record({ window: fc.constantFrom('24h', '7d', 'all') })
};

/** Events the protocol declares without an acknowledgement: an ack asked for never comes, by design. */
export const FIRE_AND_FORGET: ReadonlySet<string> = new Set<keyof VolunteerClientToServer>(['task:text']);

/** Events no handler listens to, with names chosen to confuse a dispatcher. */
export const UNKNOWN_EVENTS = [
	'__proto__',
	'constructor',
	'toString',
	'hasOwnProperty',
	'task:',
	// The event volunteers authenticated with before the handshake took its place.
	'hello',
	'hello ',
	'job:watch:all',
	'x'.repeat(2000)
];

/** How an event is sent: with an ack (the usual), without one, or with a non-function where the ack goes. */
export type AckMode = 'ack' | 'none' | 'odd';

export interface SocketCase {
	namespace: 'volunteer' | 'dashboard';
	event: string;
	payload: unknown;
	ackMode: AckMode;
	/** The extra argument of an `odd` ack. */
	extra: unknown;
}

function casesOf(namespace: SocketCase['namespace'], table: Events, ctx: SocketContext): fc.Arbitrary<SocketCase> {
	const known = Object.entries(table).map(([event, valid]) => payloadFor(valid(ctx)).map((payload) => ({ event, payload })));
	const unknown = fc.tuple(fc.constantFrom(...UNKNOWN_EVENTS), payloadFor(fc.constant({}))).map(([event, payload]) => ({ event, payload }));
	return fc
		.record({
			call: fc.oneof({ arbitrary: fc.oneof(...known), weight: 12 }, { arbitrary: unknown, weight: 1 }),
			ackMode: fc.constantFrom<AckMode>('ack', 'ack', 'ack', 'ack', 'ack', 'none', 'odd'),
			extra: fc.constantFrom(1, 'ack', null, { then: 1 }, [])
		})
		.map(({ call, ackMode, extra }) => ({ namespace, ...call, ackMode, extra }));
}

/** Cases for both namespaces, volunteer events weighted by their number. */
export function socketCases(ctx: SocketContext): fc.Arbitrary<SocketCase> {
	return fc.oneof(
		{ arbitrary: casesOf('volunteer', volunteerEvents, ctx), weight: 3 },
		{ arbitrary: casesOf('dashboard', dashboardEvents, ctx), weight: 1 }
	);
}

/** The handshake's `auth` object, fuzzed: a first visit, the real identity or a forged one, in any mode. */
export function handshakeAuth(identity: string): fc.Arbitrary<unknown> {
	return payloadFor(
		fc.record({
			identity: fc.constantFrom(null, identity, 'forged.identity'),
			capabilities: fc.constant(nodeCapabilities()),
			mode,
			readiness
		})
	);
}

export function openSocket(url: string, namespace: SocketCase['namespace'], auth?: unknown): Socket {
	return io(`${url}${namespace === 'volunteer' ? VOLUNTEER_NAMESPACE : DASHBOARD_NAMESPACE}`, {
		transports: ['websocket'],
		reconnection: false,
		forceNew: true,
		...(auth === undefined ? {} : { auth: auth as Record<string, unknown> })
	});
}

export function connected(socket: Socket, timeoutMs = 10_000): Promise<void> {
	return new Promise((resolve, reject) => {
		if (socket.connected) return resolve();
		const timer = setTimeout(() => reject(new Error('the socket did not connect')), timeoutMs);
		socket.once('connect', () => (clearTimeout(timer), resolve()));
		socket.once('connect_error', (e) => (clearTimeout(timer), reject(e)));
		// A handshake the hub cannot even parse closes the connection without a connect_error.
		socket.once('disconnect', (reason) => (clearTimeout(timer), reject(new Error(`closed before connecting: ${reason}`))));
	});
}

/** The hub's answer to a volunteer's handshake: its welcome, or the refusal's `err.data` (none when it closed the connection). */
export function handshakeOutcome(
	socket: Socket,
	timeoutMs = 20_000
): Promise<{ welcome: Welcome } | { refusal: { code?: string } | undefined; message: string }> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('neither welcome nor refusal')), timeoutMs);
		socket.once('welcome', (welcome: Welcome) => (clearTimeout(timer), resolve({ welcome })));
		socket.once(
			'connect_error',
			(e: Error & { data?: { code?: string } }) => (clearTimeout(timer), resolve({ refusal: e.data, message: e.message }))
		);
		// A handshake the hub cannot even parse (over the pre-admission size) closes the connection without a connect_error.
		socket.once('disconnect', (reason) => (clearTimeout(timer), resolve({ refusal: undefined, message: `closed: ${reason}` })));
	});
}

/** A volunteer socket the hub knows: the one place the fuzz authenticates (the handshake's `auth`, then `welcome`). */
export async function authenticatedVolunteer(
	url: string,
	identity: string | null
): Promise<{ socket: Socket; identity: string; volunteerId: string }> {
	const socket = openSocket(url, 'volunteer', volunteerAuth(identity));
	const answer = await handshakeOutcome(socket);
	if (!('welcome' in answer)) {
		socket.disconnect();
		throw new Error(`the hub refused to authenticate a volunteer: ${answer.message} ${JSON.stringify(answer.refusal)}`);
	}
	return { socket, identity: answer.welcome.identity, volunteerId: answer.welcome.volunteerId };
}
