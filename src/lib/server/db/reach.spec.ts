/**
 * Which errors mean the database could not be reached, told apart on real failures: a backend
 * terminated under a running query (as an operator, a failover or a crash does), a refused connection,
 * and statements PostgreSQL refused on a healthy connection, through the driver and through drizzle.
 */
import net from 'node:net';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseReach, isConnectionLoss } from './reach';
import { openDatabase, type Database } from './index';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from './testing';

/** The error `run` fails with (it must fail). */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
	try {
		await run();
	} catch (e) {
		return e;
	}
	throw new Error('expected a failure');
}

describe.skipIf(testServerUrl() === null)('isConnectionLoss, on real failures', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let database: Database | null = null;
	const clients: postgres.Sql[] = [];
	afterEach(async () => {
		await database?.close();
		await Promise.all(clients.splice(0).map((c) => c.end({ timeout: 1 })));
		await empty?.drop();
		database = empty = null;
	});

	it('says yes for a terminated backend and a refused connection, also wrapped by drizzle, and no for a refused statement', async () => {
		empty = await emptyPostgresDatabase();
		const name = new URL(empty!.url).pathname.slice(1);
		const admin = postgres(testServerUrl()!, { max: 1, onnotice: () => {} });
		const client = postgres(empty!.url, { max: 1, onnotice: () => {} });
		clients.push(admin, client);
		const terminate = async () => {
			// Until the sleeping query's backend is there to be cut.
			for (let i = 0; i < 50; i++) {
				const [{ n }] = await admin`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
					where datname = ${name} and pid <> pg_backend_pid() and query like '%pg_sleep%'`;
				if (n > 0) return;
				await new Promise((r) => setTimeout(r, 50));
			}
			throw new Error('no backend to terminate');
		};

		const terminated = await failure(() => Promise.all([client`select pg_sleep(10)`, terminate()]));
		expect(isConnectionLoss(terminated)).toBe(true);

		const closed = net.createServer();
		await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
		const port = (closed.address() as net.AddressInfo).port;
		await new Promise<void>((r) => closed.close(() => r()));
		const nowhere = postgres(`postgres://postgres@127.0.0.1:${port}/x`, { max: 1, connect_timeout: 2 });
		clients.push(nowhere);
		const refused = await failure(() => nowhere`select 1`);
		expect(isConnectionLoss(refused)).toBe(true);

		// On a healthy connection (the cut one may still report its cut to the next query).
		expect(isConnectionLoss(await failure(() => admin`select 1 / 0`))).toBe(false);
		expect(isConnectionLoss(await failure(() => admin`select * from no_such_table`))).toBe(false);

		// Drizzle wraps the driver's error; the cause is read.
		database = await openDatabase({ url: empty!.url, poolSize: 1 });
		const wrapped = await failure(() => Promise.all([database!.db.execute(sql`select pg_sleep(10)`), terminate()]));
		expect(wrapped).not.toHaveProperty('code');
		expect(isConnectionLoss(wrapped)).toBe(true);
		await expect
			.poll(() =>
				database!.db.execute(sql`select 1`).then(
					() => true,
					() => false
				)
			)
			.toBe(true);
		expect(isConnectionLoss(await failure(() => database!.db.execute(sql`select 1 / 0`)))).toBe(false);
	});
});

describe('DatabaseReach', () => {
	const lost = (code: string) => Object.assign(new Error(code), { code });

	it('can renew from its start, not from before it, however long it has run', () => {
		let now = 1_000_000;
		const reach = new DatabaseReach(() => now);
		expect(reach.renewableSince()).toBe(1_000_000);
		now += 3_600_000;
		expect(reach.renewableSince()).toBe(1_000_000);
	});

	it('can renew nothing while the database is lost, then from its return, and ignores refused statements', () => {
		let now = 1_000_000;
		const reach = new DatabaseReach(() => now);
		now += 60_000;
		expect(reach.note(lost('22012'))).toBe(false);
		expect(reach.renewableSince()).toBe(1_000_000);
		expect(reach.note(lost('57P01'))).toBe(true);
		expect(reach.renewableSince()).toBe(Infinity);
		// Statements may hang rather than fail for as long as the outage lasts: it counts from the return.
		now += 600_000;
		expect(reach.renewableSince()).toBe(Infinity);
		reach.reached();
		expect(reach.renewableSince()).toBe(1_660_000);
		// A statement going through with nothing lost changes nothing.
		now += 1;
		reach.reached();
		expect(reach.renewableSince()).toBe(1_660_000);
		expect(reach.note(new Error('Failed query', { cause: lost('ECONNREFUSED') }))).toBe(true);
		expect(reach.renewableSince()).toBe(Infinity);
	});
});
