/**
 * A hub must outlive its database connections being cut (pg_terminate_backend, a failover, a pooler
 * restart): the queries on them fail, and nothing else. postgres-js runs a query of its own as the first
 * statement on every new connection (the array types, `fetch_types`) and dropped that query's promise, so
 * a connection cut while it ran crashed the whole process with an unhandled rejection (porsager/postgres
 * #1192, #1223; the chaos test's hub died of it). patches/postgres+3.4.9.patch handles it.
 *
 * The cut is a real one: a TCP relay between the driver and PostgreSQL holds the types query when it
 * passes and terminates the backend with pg_terminate_backend, so the driver hears PostgreSQL's own
 * FATAL 57P01 and the closed socket.
 */
import net from 'node:net';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from './index';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from './testing';
import { rowsOf } from './rows';

/** Relays TCP to PostgreSQL; once armed, the next types query it sees gets its backend terminated instead. */
async function startRelay(target: URL, terminate: () => Promise<void>) {
	let armed = false;
	let cuts = 0;
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const upstream = net.connect(Number(target.port || 5432), target.hostname);
		upstream.on('data', (d) => client.write(d));
		client.on('data', (d) => {
			if (armed && d.includes('typcategory')) {
				armed = false;
				// Held, not sent: the backend dies idle, as when an operator cuts it, and says so to the driver.
				void terminate().then(() => cuts++);
				return;
			}
			upstream.write(d);
		});
		sockets.add(client).add(upstream);
		const close = () => (client.destroy(), upstream.destroy());
		client.on('close', close).on('error', close);
		upstream.on('close', close).on('error', close);
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		port: (server.address() as net.AddressInfo).port,
		arm: () => (armed = true),
		cuts: () => cuts,
		close: () => {
			for (const s of sockets) s.destroy();
			return new Promise<void>((r) => server.close(() => r()));
		}
	};
}

describe.skipIf(testServerUrl() === null)('a database connection cut while it opens', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let database: Database | null = null;
	let admin: postgres.Sql | null = null;
	const rejections: unknown[] = [];
	const onRejection = (reason: unknown) => rejections.push(reason);
	afterEach(async () => {
		process.off('unhandledRejection', onRejection);
		await database?.close();
		await admin?.end();
		await empty?.drop();
	});

	it('fails only the query waiting on it; the process lives and the next query gets a fresh connection', async () => {
		empty = await emptyPostgresDatabase();
		const url = new URL(empty!.url);
		const name = url.pathname.slice(1);
		admin = postgres(testServerUrl()!, { max: 1, onnotice: () => {} });
		const terminateAll = async () => {
			await admin!`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
		};
		const relay = await startRelay(url, terminateAll);
		try {
			const relayed = new URL(url);
			relayed.port = String(relay.port);
			// Migrations run on one connection; the pool's second opens later, as a busy hub's pool grows.
			database = await openDatabase({ url: relayed.toString(), poolSize: 2 });
			process.on('unhandledRejection', onRejection);

			relay.arm();
			const outcomes = await Promise.all(
				[1, 2].map(() =>
					database!.db.execute(sql`select pg_sleep(0.3)`).then(
						() => null,
						(e: unknown) => e
					)
				)
			);
			await expect.poll(() => relay.cuts()).toBe(1);
			// A query that was waiting on the cut connection fails with the cut (or runs on the reconnect); either way it is answered.
			for (const e of outcomes.filter((e) => e !== null))
				expect(String((e as { cause?: unknown }).cause ?? e)).toMatch(/terminating connection|CONNECTION_CLOSED/);

			// The next query works, and the array types were fetched on a later connect (an int array comes back parsed).
			await expect
				.poll(
					async () =>
						rowsOf<{ xs: unknown }>(await database!.db.execute(sql`select array[1, 2]::int4[] as xs`).catch(() => ({ rows: [] })))[0]?.xs,
					{
						timeout: 10_000
					}
				)
				.toEqual([1, 2]);
			// Give a dropped promise's rejection time to surface: Node reports it after the microtask queue drains.
			await new Promise((r) => setTimeout(r, 200));
			expect(rejections).toEqual([]);
		} finally {
			await relay.close();
		}
	});
});
