/**
 * Property-based fuzzing of the whole hub as an attacker sees it: every REST route and page (table in
 * fuzz/rest-routes.ts, checked against src/routes) and every Socket.IO event of both namespaces
 * (fuzz/socket-events.ts), with payloads built by breaking valid ones (fuzz/hostile.ts), before and
 * after authentication, and the handshake's `auth` itself. For every payload: no 5xx or `internal`
 * refusal, an answer at all, the hub still up after every batch, the bystanders' sockets still
 * connected, and refused input changing nothing the hub stores (a database fingerprint before and
 * after a batch of refused requests). One hub for everything; requests go in parallel batches.
 *
 * Deterministic by default (seed FUZZ_SEED, default below); `FUZZ_SEED=123 npx vitest run
 * tests/attacks/fuzz.test.ts` explores other payloads, and FUZZ_SCALE multiplies the counts.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import type { EmptyPostgresDatabase } from '../../src/lib/server/db/testing';
import type { Ack, TaskLease } from '../../src/lib/protocol/events';
import { snapshotter, type Snapshot } from './fuzz/db-snapshot';
import { send, type FuzzReply } from './fuzz/raw-http';
import { requests, restRoutes, type FuzzContext, type FuzzRequest } from './fuzz/rest-routes';
import {
	authenticatedVolunteer,
	connected,
	dashboardEvents,
	FIRE_AND_FORGET,
	handshakeAuth,
	helloPayload,
	openSocket,
	socketCases,
	volunteerEvents,
	type SocketCase,
	type SocketContext
} from './fuzz/socket-events';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_204);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (count: number) => Math.max(1, Math.round(count * SCALE));
fc.configureGlobal({ seed: SEED });
const BATCH = 48;
/** Payloads per phase; together at least 10,000 (checked at the end). */
const COUNTS = { restAnonymous: 3200, restAdmin: 3200, socketsBefore: 1800, socketsAfter: 1800, handshake: 300 };
let sent = 0;

let hub: HubProcess;
let db: EmptyPostgresDatabase;
let snap: ReturnType<typeof snapshotter>;
let ctx: FuzzContext & SocketContext;
/** A volunteer and a dashboard that only watch: whatever the fuzz does, they stay connected. */
const bystanders: Socket[] = [];
/** The volunteer holding the fixture job's leases (a bystander too). */
let leaser: Socket;
const dropped: string[] = [];

/** How a failing case reads in the report: where it was, the seed to replay it, its payload (shortened). */
function where(what: string, i: number, payload: unknown): string {
	let shown: string | undefined;
	try {
		shown = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length})` : v));
	} catch {
		shown = '(nested too deep to print)';
	}
	return `${what} #${i} (FUZZ_SEED=${SEED}): ${shown?.slice(0, 1500)}`;
}

/**
 * FUZZ_DATABASE=pglite runs the hub on its embedded default instead, to look for what only PGlite gets
 * wrong: no 5xx, answers and health are checked as usual, but the fingerprint needs a second connection
 * to the database, which PGlite (one process) cannot give, so refused input is not checked there.
 */
const ON_PGLITE = process.env.FUZZ_DATABASE === 'pglite';

beforeAll(async () => {
	const fresh = ON_PGLITE ? null : await freshDatabase();
	if (!fresh && !ON_PGLITE) throw new Error('the fuzz test needs the test PostgreSQL (it fingerprints the database between batches)');
	db = fresh ?? { url: '', drop: async () => {} };
	hub = await startHubProcess({
		databaseUrl: fresh?.url,
		env: {
			// Leases must not expire (and be swept) mid-run: that would change the database with nobody asking.
			EXOSTACK_LEASE_SECONDS: '3600',
			// Nor may stale sessions be swept: a seed node that stops heartbeating is deleted after three beats.
			EXOSTACK_HEARTBEAT_SECONDS: '3600',
			EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS: '100000',
			// Model imports by repository fail at once instead of reaching for the internet.
			HF_ENDPOINT: 'http://127.0.0.1:9'
		}
	});
	snap = ON_PGLITE ? { take: async () => ({}), close: async () => {} } : snapshotter(db.url);
	ctx = await fixtures(hub);
	const { socket: volunteer } = await authenticatedVolunteer(hub.url, ctx.identity);
	const dashboard = openSocket(hub.url, 'dashboard');
	for (const [name, s] of [
		['volunteer', volunteer],
		['dashboard', dashboard]
	] as const) {
		s.on('disconnect', (reason) => dropped.push(`${name} bystander: ${reason}`));
		bystanders.push(s);
	}
	await connected(dashboard);
	await dashboard.timeout(10_000).emitWithAck('job:watch', { jobId: ctx.jobId });
}, 180_000);

afterAll(async () => {
	console.info(
		`fuzz (FUZZ_SEED=${SEED}): ${sent} payloads; REST answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ` +
			`routes that accepted some: ${routesAccepting.size}`
	);
	for (const s of bystanders) s.disconnect();
	await snap?.close();
	await hub?.stop();
	await db?.drop();
});

/** A job with leases held by a real volunteer, a registered seed node: ids for the fuzz to aim at. */
async function fixtures(h: HubProcess): Promise<FuzzContext & SocketContext> {
	const models = (await (await api(h, '/api/models')).json()) as { id: string; files: { path: string; sha256: string }[] }[];
	const model = models.find((m) => m.id === 'demo-embedding')!;
	const submitted = await api(h, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model: model.id, input: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], chunk_size: 2 }
	});
	const { task_id: jobId } = (await submitted.json()) as { task_id: string };
	const hello = await authenticatedVolunteer(h.url, null);
	leaser = hello.socket;
	const leased = (await leaser.timeout(20_000).emitWithAck('task:request', { slots: 4 })) as Ack<{ tasks: TaskLease[] }>;
	if (!leased.ok || leased.tasks.length === 0) throw new Error(`no leases for the fuzz: ${JSON.stringify(leased)}`);
	const registered = await fetch(`${h.url}/nodes/register`, {
		method: 'POST',
		body: JSON.stringify({ id: 'fuzz-node' }),
		headers: { 'content-type': 'application/json' }
	});
	const { token: nodeToken } = (await registered.json()) as { token: string };
	// The leaser stays connected: its leases stay live for the task events to aim at.
	bystanders.push(leaser);
	leaser.on('disconnect', (reason) => dropped.push(`leaser: ${reason}`));
	return {
		token: h.token,
		jobId,
		volunteerId: hello.volunteerId,
		identity: hello.identity,
		nodeId: 'fuzz-node',
		nodeToken,
		modelId: model.id,
		modelFile: model.files[0].path,
		blobSha: model.files[0].sha256,
		leases: leased.tasks.map((t) => ({
			taskId: t.taskId,
			leaseToken: t.leaseToken,
			jobId: t.jobId,
			inputs: t.inputs.length,
			dims: t.model.embedding?.dimensions ?? 4
		}))
	};
}

async function hubIsUp() {
	expect(hub.child.exitCode, hub.logs().slice(-3000)).toBeNull();
	const res = await fetch(`${hub.url}/api/health`, { signal: AbortSignal.timeout(20_000) });
	expect(res.status).toBe(200);
	expect(dropped, 'a bystander socket was disconnected').toEqual([]);
	for (const s of bystanders) expect(s.connected).toBe(true);
}

const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Runs `cases` in parallel and checks each outcome, then that the hub is up and that, if all were
 * refused, the database did not change. When some were accepted (a valid submission changes state, as
 * it should), the refused ones are sent again on their own, and the database must not change then.
 */
async function batch<C>(
	cases: C[],
	run: (c: C, i: number) => Promise<Outcome>,
	label: (c: C, i: number) => string,
	/** Gets the senders ready before each try, outside the fingerprinted window (connects, authenticates). */
	prepare: () => Promise<void> = async () => {}
) {
	await prepare();
	const firstTry = await fingerprinted(cases, run, label);
	if (firstTry.acceptedAny) {
		await prepare();
		const refused = cases.filter((_, i) => firstTry.outcomes[i] === 'refused');
		const again = await fingerprinted(refused, run, label);
		if (!again.acceptedAny) unchanged(again.before, again.after, () => refused.map(label));
	} else {
		unchanged(firstTry.before, firstTry.after, () => cases.map(label));
	}
	await hubIsUp();
	sent += cases.length;
}

function unchanged(before: Snapshot, after: Snapshot, labels: () => string[]) {
	const changed = Object.keys(after).filter((t) => before[t] !== after[t]);
	if (changed.length === 0) return;
	expect(
		changed,
		`refused input changed these tables; the batch was:\n${labels()
			.map((l) => l.slice(0, 400))
			.join('\n')}`
	).toEqual([]);
}

/** `refused`: the hub said no and must have changed nothing; `changed`: accepted, or an answer we cannot see. */
type Outcome = 'refused' | 'changed';

async function fingerprinted<C>(cases: C[], run: (c: C, i: number) => Promise<Outcome>, label: (c: C, i: number) => string) {
	const before: Snapshot = await snap.take();
	const outcomes = await Promise.all(
		cases.map((c, i) =>
			run(c, i).catch((e: Error) => {
				throw new Error(`${label(c, i)}\n${e.message}`);
			})
		)
	);
	const acceptedAny = outcomes.some((o) => o !== 'refused');
	if (acceptedAny) await settle();
	return { before, after: await snap.take(), outcomes, acceptedAny };
}

function restLabel(r: FuzzRequest, i: number) {
	return where(`${r.method} ${r.target.slice(0, 300)}`, i, r.body?.subarray(0, 1500).toString('latin1'));
}

/** Answers by status, and routes that accepted something: how deep the fuzz reached, printed at the end. */
const statuses = new Map<number, number>();
const routesAccepting = new Set<string>();

async function runRest(r: FuzzRequest): Promise<Outcome> {
	const reply: FuzzReply = await send(hub.port, r);
	if (reply.status !== null) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
	if (reply.status !== null && reply.status < 300) routesAccepting.add(r.route);
	if (reply.status === null || reply.status >= 500) throw new Error(`answered ${reply.status ?? reply.error}: ${reply.body}`);
	return reply.status >= 400 ? 'refused' : r.method === 'GET' || r.method === 'HEAD' ? 'refused' : 'changed';
}

async function fuzzRest(count: number, authenticated: boolean, seed: number) {
	const cases = fc.sample(requests(ctx, authenticated), { numRuns: runs(count), seed });
	for (let i = 0; i < cases.length; i += BATCH) await batch(cases.slice(i, i + BATCH), runRest, (r, k) => restLabel(r, i + k));
}

/** Payloads the fuzz found that stopped or broke the hub once, kept as plain assertions. */
describe('regressions found by the fuzz', () => {
	const get = async (target: string) => (await send(hub.port, { route: 'regression', method: 'GET', target, headers: {} })).status;

	it('refuses query values that are no window or no storable date with 400, not 500', async () => {
		for (const window of ['constructor', 'toString', '__proto__']) expect(await get(`/api/volunteers?window=${window}`), window).toBe(400);
		for (const before of ['-271821-04-20', '%2B275760-09-13', '0000-01-01'])
			expect(await get(`/api/jobs?before=${before}`), before).toBe(400);
		expect(await get('/api/jobs?before=2020-01-01')).toBe(200);
	});

	it('answers a model id with U+0000 (%00) with 404, not 500', async () => {
		expect(await get('/api/models/%00')).toBe(404);
		expect(await get('/models/a%00/resolve/main/model.onnx')).toBe(404);
	});

	it('takes one of two hellos sent at once on a connection and refuses the other as invalid, not internal', async () => {
		const socket = openSocket(hub.url, 'volunteer');
		try {
			await connected(socket);
			const replies = await Promise.all([1, 2].map(() => socket.timeout(10_000).emitWithAck('hello', helloPayload(ctx.identity))));
			expect(replies.map((r: Ack) => (r.ok ? 'ok' : r.code)).sort()).toEqual(['invalid', 'ok']);
		} finally {
			socket.disconnect();
			await settle(); // the hub forgets the session before the next test fingerprints
		}
	});

	it('refuses text PostgreSQL cannot store (U+0000, a lone surrogate) in a body or a socket payload, and stores nothing', async () => {
		const before = await snap.take();
		for (const input of ['a\u0000b', '\ud800']) {
			const res = await api(hub, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: ctx.modelId, input } });
			expect(res.status, input).toBe(400);
		}
		const socket = openSocket(hub.url, 'volunteer');
		try {
			for (const userAgent of ['a\u0000b', '\udfff']) {
				const hello = { ...helloPayload(null), capabilities: { ...helloPayload(null).capabilities, userAgent } };
				await connected(socket);
				expect(await socket.timeout(10_000).emitWithAck('hello', hello)).toMatchObject({ ok: false, code: 'invalid' });
			}
			const fail = { taskId: ctx.leases[0].taskId, leaseToken: ctx.leases[0].leaseToken, error: 'x\u0000' };
			expect(await leaser.timeout(10_000).emitWithAck('task:fail', fail)).toMatchObject({ ok: false, code: 'invalid' });
		} finally {
			socket.disconnect();
		}
		await settle();
		unchanged(before, await snap.take(), () => ['the regressions above']);
	});
});

describe('REST', () => {
	it('fuzzes every route and page of src/routes', () => {
		const ids: string[] = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory()) walk(full);
				const id = '/' + path.relative('src/routes', dir).split(path.sep).filter(Boolean).join('/');
				if (entry.name === '+server.ts') ids.push(id === '/' ? '/' : id);
				if (entry.name === '+page.svelte') ids.push(`page:${id}`);
			}
		};
		walk('src/routes');
		expect(Object.keys(restRoutes(ctx)).sort()).toEqual(ids.sort());
	});

	it(`survives ${runs(COUNTS.restAnonymous)} anonymous requests; refused ones change nothing`, async () => {
		await fuzzRest(COUNTS.restAnonymous, false, SEED);
	});

	it(`survives ${runs(COUNTS.restAdmin)} requests with the admin token; refused ones change nothing`, async () => {
		await fuzzRest(COUNTS.restAdmin, true, SEED + 1);
	});
});

/**
 * Sockets that send the fuzzed events, six per namespace. `prepare` (between batches, outside the
 * fingerprinted window) replaces the ones the hub dropped and, before authentication, the ones a valid
 * fuzzed `hello` authenticated, and waits for the hub to forget the sessions they closed.
 */
class SocketPool {
	#slots = new Map<string, Socket>();
	/** Sockets meant to stay unauthenticated on which a fuzzed `hello` was accepted. */
	readonly helloed = new WeakSet<Socket>();
	constructor(private readonly authenticated: boolean) {}

	async prepare() {
		let replaced = false;
		for (const ns of ['volunteer', 'dashboard'] as const)
			for (let k = 0; k < 6; k++) {
				const key = `${ns}:${k}`;
				const old = this.#slots.get(key);
				if (old?.connected && !this.helloed.has(old)) continue;
				if (old) replaced = true;
				old?.disconnect();
				if (this.authenticated && ns === 'volunteer') {
					this.#slots.set(key, (await authenticatedVolunteer(hub.url, ctx.identity)).socket);
				} else {
					const socket = openSocket(hub.url, ns);
					await connected(socket);
					this.#slots.set(key, socket);
				}
			}
		if (replaced) await settle();
	}

	socket(ns: SocketCase['namespace'], k: number): Socket {
		return this.#slots.get(`${ns}:${k % 6}`)!;
	}

	close() {
		for (const socket of this.#slots.values()) socket.disconnect();
	}
}

async function runSocket(pool: SocketPool, c: SocketCase, k: number): Promise<Outcome> {
	const s = pool.socket(c.namespace, k);
	try {
		return await sendSocketCase(pool, s, c);
	} catch (e) {
		// socket.io-client walks a payload recursively to find binaries: the deepest ones overflow the
		// test's own stack before anything is sent. Nothing reached the hub, so nothing may have changed.
		if (e instanceof RangeError && /call stack/.test(e.message)) return 'refused';
		throw e;
	}
}

async function sendSocketCase(pool: SocketPool, s: Socket, c: SocketCase): Promise<Outcome> {
	// Dropped by the hub earlier in this batch (an answer in itself): a client would not send on it.
	if (!s.connected) return 'refused';
	// No handler listens to an unknown event, so no ack would ever come: sent, and only the hub's health says how it went.
	if (!Object.hasOwn(eventsOf(c.namespace), c.event)) {
		s.emit(c.event as never, c.payload as never, () => {});
		return 'refused';
	}
	if (c.ackMode === 'none' || FIRE_AND_FORGET.has(c.event)) {
		s.emit(c.event as never, c.payload as never);
		return 'changed';
	}
	if (c.ackMode === 'odd') {
		s.emit(c.event as never, c.payload as never, c.extra as never);
		return 'changed';
	}
	const gone = new Promise<'dropped'>((resolve) => s.once('disconnect', () => resolve('dropped')));
	const reply = await Promise.race([
		s.timeout(20_000).emitWithAck(c.event as never, c.payload as never) as Promise<Ack | undefined>,
		gone
	]).catch((e: Error) => {
		if (e instanceof RangeError) throw e; // the client could not encode it (runSocket)
		throw new Error(`no acknowledgement: ${e.message}`);
	});
	if (reply === 'dropped') return 'refused';
	if (!reply || typeof reply !== 'object') throw new Error(`odd acknowledgement ${JSON.stringify(reply)}`);
	if (reply.ok) {
		if (c.event === 'hello') pool.helloed.add(s);
		return 'changed';
	}
	expect(reply.code, `refused as internal: ${reply.error}`).not.toBe('internal');
	// A rejected output is a verdict on the volunteer (its failure is counted): input the hub judged, not ignored.
	return reply.code === 'rejected_output' ? 'changed' : 'refused';
}

const eventsOf = (ns: SocketCase['namespace']): object => (ns === 'volunteer' ? volunteerEvents : dashboardEvents);

async function fuzzSockets(count: number, authenticated: boolean, seed: number) {
	const pool = new SocketPool(authenticated);
	try {
		const cases = fc.sample(socketCases(ctx), { numRuns: runs(count), seed });
		for (let i = 0; i < cases.length; i += BATCH)
			await batch(
				cases.slice(i, i + BATCH),
				(c, k) => runSocket(pool, c, k),
				(c, k) => where(`${c.namespace} ${c.event} (${c.ackMode})`, i + k, c.payload),
				() => pool.prepare()
			);
	} finally {
		pool.close();
	}
}

describe('Socket.IO', () => {
	it(`survives ${runs(COUNTS.socketsBefore)} events before authentication; refused ones change nothing`, async () => {
		await fuzzSockets(COUNTS.socketsBefore, false, SEED + 2);
	});

	it(`survives ${runs(COUNTS.socketsAfter)} events after authentication; refused ones change nothing`, async () => {
		await fuzzSockets(COUNTS.socketsAfter, true, SEED + 3);
	});

	it(`survives ${runs(COUNTS.handshake)} fuzzed handshake auth objects`, async () => {
		const auths = fc.sample(handshakeAuth(ctx.identity), { numRuns: runs(COUNTS.handshake), seed: SEED + 4 });
		for (let i = 0; i < auths.length; i += BATCH) {
			await batch(
				auths.slice(i, i + BATCH),
				async (auth) => {
					const s = openSocket(hub.url, 'volunteer', auth);
					try {
						await connected(s, 20_000);
						return 'changed';
					} catch (e) {
						const code = (e as { data?: { code?: string } }).data?.code;
						expect(code, `connect_error ${(e as Error).message}`).not.toBe('internal');
						return 'refused';
					} finally {
						s.disconnect();
					}
				},
				(a, k) => where('handshake auth', i + k, a)
			);
		}
	});

	it('sent every payload, at least 10,000 in a default run', () => {
		const counts = Object.values(COUNTS);
		expect(counts.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(10_000);
		expect(sent).toBe(counts.map(runs).reduce((a, b) => a + b));
	});
});
