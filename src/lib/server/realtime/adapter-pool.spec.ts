/**
 * The Socket.IO adapter's connections after a database outage (adapter-pool.ts), on PostgreSQL through a
 * relay that drops every connection. The adapter's own behaviour is reproduced as it is: a client checked
 * out for LISTEN, which it never releases once its connection has ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from '../db/testing';
import { PgRelay } from '../db/testing-relay';
import { adapterPool } from './adapter-pool';

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), ms))]);

describe.skipIf(testServerUrl() === null)('the adapter pool', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let relay: PgRelay | null = null;
	afterEach(async () => {
		await relay?.close();
		await empty?.drop();
	});

	it('forgets a LISTEN client whose connection ended, so publishing goes on and the pool ends', async () => {
		empty = await emptyPostgresDatabase();
		const opened = await PgRelay.open(empty!.url);
		relay = opened.relay;
		const errors: Error[] = [];
		const pool = adapterPool(opened.url, (err) => errors.push(err));
		const listening = await pool.connect();
		await listening.query('LISTEN "socket.io#/"');
		const ended = new Promise((r) => listening.once('end', r));
		relay.drop();
		await ended;
		// The adapter takes a new client for LISTEN and leaves the old one checked out.
		const again = await within(pool.connect(), 5000);
		expect(again).not.toBe('no answer');
		await (again as Exclude<typeof again, 'no answer'>).query('LISTEN "socket.io#/"');
		// A publish needs the pool's second connection: the dead client no longer holds it.
		expect(await within(pool.query('SELECT pg_notify($1, $2)', ['socket.io#/', 'x']), 5000)).not.toBe('no answer');
		(again as Exclude<typeof again, 'no answer'>).release();
		expect(await within(pool.end(), 5000)).toBeUndefined();
		expect(errors.length).toBeGreaterThan(0);
	});
});
