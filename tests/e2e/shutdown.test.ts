/**
 * A clean stop of the real production hub (`node server.js`): SIGTERM refuses new connections at once,
 * gives the leases of the volunteers connected to it back to the queue at once (not at their expiry: the
 * lease here lasts ten minutes), answers the request it was in the middle of, and exits 0 within
 * EXOSTACK_SHUTDOWN_SECONDS; the volunteer reconnects by itself to the hub that takes over the address
 * and finishes the job there. Past the bound, the hub exits anyway (code 1).
 */
import { connect, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startHubProcess, TEST_TOKEN, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startChaosVolunteer } from '../harness/chaos-volunteer';
import { testServerUrl } from '../../src/lib/server/db/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Leases that only a release can end within the test: the sweeper would take ten minutes. */
const LONG_LEASES = { EXOSTACK_LEASE_SECONDS: '600', EXOSTACK_LEASE_MAX_SECONDS: '600', EXOSTACK_DISTINCT_NETWORKS: 'off' };

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(100);
	}
}

/** The code the connection attempt failed with, or 'connected'. */
function tryConnect(port: number): Promise<string> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve('connected');
		});
		socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
	});
}

/**
 * A POST /api/jobs whose body is sent in two parts, so the request is in flight for as long as the test
 * likes. It asks for `100 Continue` and sends nothing more until the hub answers it: only then is the
 * request surely being answered (a connection whose request has not been read yet is idle, and a
 * stopping hub closes it).
 */
function slowSubmission(port: number, body: string) {
	const socket: Socket = connect(port, '127.0.0.1');
	let response = '';
	const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(response)));
	socket.on('error', () => {}); // an abandoned one is reset; 'close' follows
	const half = Math.floor(body.length / 2);
	const sent = new Promise<void>((resolve) => {
		socket.on('data', (d) => {
			const first = !response.includes('100 Continue');
			response += d;
			if (first && response.includes('100 Continue')) socket.write(body.slice(0, half), () => resolve());
		});
	});
	socket.once('connect', () =>
		socket.write(
			`POST /api/jobs HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${TEST_TOKEN}\r\n` +
				`content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n`
		)
	);
	return { sent, finish: () => socket.write(body.slice(half)), abandon: () => socket.destroy(), ended };
}

const exited = (hub: HubProcess) =>
	hub.child.exitCode !== null
		? Promise.resolve(hub.child.exitCode)
		: new Promise<number | null>((r) => hub.child.once('exit', (code) => r(code)));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.runIf(testServerUrl())('SIGTERM on a hub with volunteers working', () => {
	it('refuses new connections, requeues the leases at once, answers the request in flight, exits 0, and the volunteer carries on elsewhere', async () => {
		const database = (await freshDatabase())!;
		const sql = postgres(database.url, { max: 1, onnotice: () => {} });
		cleanups.push(
			() => database.drop(),
			() => sql.end()
		);
		const first = await startHubProcess({ databaseUrl: database.url, env: { ...LONG_LEASES, EXOSTACK_SHUTDOWN_SECONDS: '20' } });
		cleanups.push(() => first.stop());
		const inputs = Array.from({ length: 12 }, (_, i) => `sentence ${i} for a hub that stops`);
		const submitted = await api(first, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'demo-embedding', input: inputs, chunk_size: 1, replication: 1 }
		});
		expect(submitted.status, await submitted.clone().text()).toBe(201);
		const { job_id: jobId } = (await submitted.json()) as { job_id: string };

		// Every task it is given stalls until its lease ends (stall: 1), so the leases are held when the hub stops.
		const behaviour = { skew: 0, stall: 1, latency: 0 };
		const volunteer = startChaosVolunteer(first.url, behaviour);
		cleanups.push(() => volunteer.stop());
		const held = await until('the volunteer to hold leases', async () => {
			const rows = await sql<{ id: number }[]>`select id from tasks where job_id = ${jobId} and state = 'leased'`;
			return rows.length > 0 && rows.map((r) => r.id);
		});

		const slow = slowSubmission(first.port, JSON.stringify({ task_type: 'embedding', model: 'demo-embedding', input: ['in flight'] }));
		await slow.sent;
		// From now on the volunteer computes for real: what it is given after reconnecting gets done.
		behaviour.stall = 0;
		first.child.kill('SIGTERM');

		// New connections are refused while the hub is still alive, answering the request in flight.
		expect(await until('a refused connection', async () => (await tryConnect(first.port)) === 'ECONNREFUSED')).toBe(true);
		expect(first.child.exitCode, first.logs()).toBeNull();
		// The held leases are back in the queue now, ready at once, their failure counts untouched.
		const released = await until('the leases to be released', async () => {
			const rows = await sql<{ id: number; state: string; ready: boolean; failures: number; lease_session: string | null }[]>`
				select id, state, available_at <= now() as ready, failures, lease_session from tasks where id in ${sql(held)}`;
			return rows.every((r) => r.state !== 'leased') && rows;
		});
		expect(released.every((r) => r.state === 'queued' && r.ready && r.failures === 0 && r.lease_session === null)).toBe(true);
		expect(first.child.exitCode, first.logs()).toBeNull();

		// The request that was in flight is answered in full, and only then does the hub exit, cleanly.
		slow.finish();
		expect(await slow.ended).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
		expect(await exited(first), first.logs()).toBe(0);
		expect(first.logs()).not.toMatch(/exiting anyway|shutdown failed|shutdown step failed/);

		// A hub takes over the address; the volunteer reconnects by itself and finishes the job there,
		// with leases that would not have expired for ten minutes.
		const second = await startHubProcess({ databaseUrl: database.url, port: first.port, env: LONG_LEASES });
		cleanups.push(() => second.stop());
		const status = await until(
			'the job to complete on the second hub',
			async () => {
				const view = (await (await api(second, `/api/jobs/${jobId}`)).json()) as { status: string };
				return view.status === 'completed' && view;
			},
			90_000
		);
		expect(status).toMatchObject({ status: 'completed', progress: { done: inputs.length, total: inputs.length } });
	});
});

describe('SIGTERM on a hub that cannot finish in time', () => {
	it('exits anyway once EXOSTACK_SHUTDOWN_SECONDS have passed, with code 1', async () => {
		const hub = await startHubProcess({ env: { EXOSTACK_SHUTDOWN_SECONDS: '2' } });
		cleanups.push(() => hub.stop());
		const slow = slowSubmission(hub.port, JSON.stringify({ task_type: 'embedding', model: 'demo-embedding', input: ['never finished'] }));
		cleanups.push(async () => slow.abandon());
		await slow.sent;
		const sent = Date.now();
		hub.child.kill('SIGTERM');
		expect(await exited(hub), hub.logs()).toBe(1);
		expect(hub.logs()).toContain('exostack: shutdown took over 2 s; exiting anyway');
		// Not a timing assertion: it exited by itself, well before the harness would have killed it (15 s).
		expect(Date.now() - sent).toBeLessThan(15_000);
	});
});
