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
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from './index';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from './testing';
import { rowsOf } from './rows';
import { PgRelay } from './testing-relay';
import { claimGroup, type ClaimedLease } from '../scheduler/claim-tasks';
import { completeGroup } from '../scheduler/complete-group';
import { claimFor, claimRequest, makeJob, policy, seedModel, seedVolunteers, vec } from '../scheduler/testing';

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
		const { relay, url: relayed } = await PgRelay.open(empty!.url);
		// Once armed, the next types query is held, not sent: the backend dies idle, as when an operator
		// cuts it, and says so to the driver.
		let armed = false;
		let cuts = 0;
		relay.intercept = (d) => {
			if (!armed || !d.includes('typcategory')) return true;
			armed = false;
			void terminateAll().then(() => cuts++);
			return false;
		};
		try {
			// Migrations run on one connection; the pool's second opens later, as a busy hub's pool grows.
			database = await openDatabase({ url: relayed, poolSize: 2 });
			process.on('unhandledRejection', onRejection);

			armed = true;
			const outcomes = await Promise.all(
				[1, 2].map(() =>
					database!.db.execute(sql`select pg_sleep(0.3)`).then(
						() => null,
						(e: unknown) => e
					)
				)
			);
			await expect.poll(() => cuts).toBe(1);
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

/**
 * The connection dropped at each point of a claim and of a group of results: after the k-th write the
 * driver sends, for k = 1, 2, ... until the work finishes in fewer writes. The k-th write either reaches
 * PostgreSQL (its answer is what is lost) or does not. Each time, the work must settle (a caller left
 * waiting holds the hub's claim queue: patches/postgres), and the database must show nothing half done:
 * a claim's answer matches the leases stored, or it failed and each task is queued or leased whole; a
 * result acknowledged as stored is stored, and a result sent again after a failure ends up stored.
 * Started cold each time (the drop ends the connection), the path where the driver queues a
 * transaction's statements behind one being described.
 */
describe.skipIf(testServerUrl() === null)('a database connection dropped at each point', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let relayed: Database | null = null;
	let direct: Database | null = null;
	let relay: PgRelay | null = null;
	afterEach(async () => {
		await relayed?.close();
		await direct?.close();
		await relay?.close();
		await empty?.drop();
	});

	type Outcome<T> = { value: T } | { error: unknown };

	/**
	 * Runs `attempt` with the connection dropped after its k-th write (as the relay reads them), `prepare`d
	 * before each try, and hands what it settled with to `check`: for k = 1 to 3, then at ten points spread
	 * over the writes an undisturbed attempt makes (a group of results makes about forty). Returns how
	 * many tries saw their drop.
	 */
	async function sweep<T>(prepare: (db: Db) => Promise<void>, attempt: () => Promise<T>, check: (outcome: Outcome<T>) => Promise<void>) {
		empty = await emptyPostgresDatabase();
		const opened = await PgRelay.open(empty!.url);
		relay = opened.relay;
		relayed = await openDatabase({ url: opened.url, poolSize: 2 });
		direct = await openDatabase({ url: empty!.url, poolSize: 1 });
		await seedModel(direct.db);
		await seedVolunteers(direct.db, ['v0', 'v1']);
		// Each try starts from no work and volunteers with no record (a run of valid results would earn solo leases).
		const fresh = async () => {
			await direct!.db.execute(sql`delete from jobs`);
			await direct!.db.execute(sql`update volunteers set consecutive_valid = 0`);
			await prepare(direct!.db);
		};
		let writes = 0;
		let dropAt = 0;
		let reaches = true;
		relay.intercept = () => {
			if (++writes !== dropAt) return true;
			setImmediate(() => relay!.drop());
			return reaches;
		};
		await fresh();
		writes = 0;
		await attempt();
		const all = writes;
		const points = [...new Set([1, 2, 3, ...Array.from({ length: 10 }, (_, i) => Math.ceil(((i + 1) * all) / 10))])];
		let dropped = 0;
		for (reaches of [true, false])
			for (const k of points) {
				dropAt = 0;
				await fresh();
				writes = 0;
				dropAt = k;
				const outcome = await Promise.race([
					attempt().then(
						(value) => ({ value }),
						(error: unknown) => ({ error })
					),
					new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 5000))
				]);
				expect(outcome, `dropped after write ${k}`).not.toBe('still waiting');
				if (writes < k) continue;
				dropAt = 0;
				await check(outcome as Outcome<T>);
				dropped++;
			}
		return dropped;
	}

	it('leaves each task leased as the claim answered, or queued or leased whole when it failed', async () => {
		const dropped = await sweep(
			(db) => makeJob(db, 8, { chunkSize: 1 }).then(() => {}),
			() => claimGroup(relayed!.db, [claimRequest('v0', { slots: 2 }), claimRequest('v1', { slots: 2 })]),
			async (outcome) => {
				const rows = rowsOf<{ id: number; state: string; token: string | null; expires: boolean }>(
					await direct!.db.execute(sql`select id, state, lease_token as token, lease_expires_at is not null as expires from tasks`)
				);
				expect(rows).toHaveLength(8);
				for (const r of rows)
					expect(r.state === 'queued' ? r.token === null : r.state === 'leased' && r.token !== null && r.expires).toBe(true);
				if ('value' in outcome) {
					const answered = outcome.value.flat().map((l) => `${l.id}:${l.leaseToken}`);
					expect(answered).toHaveLength(4);
					const stored = rows.filter((r) => r.state === 'leased').map((r) => `${r.id}:${r.token}`);
					expect(stored.sort()).toEqual(answered.sort());
				}
			}
		);
		expect(dropped).toBeGreaterThanOrEqual(4);
	});

	it('stores every result acknowledged as stored, and each one sent again after a failure', async () => {
		let leases: { lease: ClaimedLease; volunteerId: string }[] = [];
		const dropped = await sweep(
			async (db) => {
				// Unreplicated chunks (one statement for the group) and replicated ones (the validator, in a transaction).
				await makeJob(db, 2, { chunkSize: 1 });
				await makeJob(db, 2, { chunkSize: 1, replication: 2 });
				leases = [];
				for (const volunteerId of ['v0', 'v1'])
					for (const lease of await claimFor(db, volunteerId, { slots: 4 })) leases.push({ lease, volunteerId });
			},
			() => completeGroup(relayed!.db, sentOf(leases), policy),
			async (outcome) => {
				const sent = sentOf(leases);
				const done = async () =>
					new Set(
						rowsOf<{ id: number }>(await direct!.db.execute(sql`select id from tasks where state = 'done'`)).map((r) => Number(r.id))
					);
				if ('value' in outcome) {
					const stored = await done();
					outcome.value.forEach((o, i) => o.stored && expect(stored.has(sent[i].taskId)).toBe(true));
				}
				// The volunteer sends again what was not acknowledged; whatever happened before, every result is then stored.
				await completeGroup(relayed!.db, sent, policy);
				expect([...(await done())].sort()).toEqual(sent.map((s) => s.taskId).sort());
			}
		);
		expect(dropped).toBeGreaterThanOrEqual(2);
	});
});

/** What a volunteer hands in for `leases`: the right outputs. */
function sentOf(leases: { lease: ClaimedLease; volunteerId: string }[]) {
	return leases.map(({ lease, volunteerId }) => ({
		taskId: lease.id,
		leaseToken: lease.leaseToken,
		volunteerId,
		outputs: lease.inputs.map((_, i) => vec(i)),
		backend: 'wasm' as const,
		durationMs: 5
	}));
}
