/**
 * A transaction's BEGIN goes out with its first statements, not a round trip ahead of them
 * (patches/postgres: upstream postgres-js waits for BEGIN's answer before sending anything else), and the
 * connection stays the transaction's alone meanwhile; commitBehind's COMMIT goes out with the last
 * statement (commit-behind.ts); a transaction whose connection drops fails whole, with each of its
 * statements, and the connection, reconnected, answers each later statement with its own answer (patches/postgres).
 * On PostgreSQL through a TCP relay that records what the hub sends in each
 * write and can hold the server's answers back, so what is sent before any answer can be seen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from './index';
import { emptyPostgresDatabase, openTestDatabase, TEST_DB_KINDS, testServerUrl, type EmptyPostgresDatabase } from './testing';
import { commitBehind, last } from './commit-behind';
import { rowsOf } from './rows';
import { jobs } from './schema';
import { PgRelay } from './testing-relay';

describe.skipIf(testServerUrl() === null)('a transaction on PostgreSQL', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let database: Database | null = null;
	let relay: PgRelay | null = null;
	afterEach(async () => {
		relay?.release();
		await database?.close();
		await relay?.close();
		await empty?.drop();
	});

	async function openThroughRelay(poolSize: number): Promise<Database> {
		empty = await emptyPostgresDatabase();
		const opened = await PgRelay.open(empty!.url);
		relay = opened.relay;
		return (database = await openDatabase({ url: opened.url, poolSize }));
	}

	it('sends BEGIN and its first statement before any answer', async () => {
		const { db } = await openThroughRelay(1);
		await db.select({ id: jobs.id }).from(jobs); // the connection is open and warm
		relay!.holding = true;
		const tx = db.transaction(async (t) => t.select({ id: jobs.id }).from(jobs).limit(1));
		await new Promise((r) => setTimeout(r, 300));
		const before = relay!.sent;
		relay!.release();
		expect(await tx).toEqual([]);
		expect(before).toContain('begin');
		// Upstream, this statement waited for BEGIN's answer: one round trip more for every transaction.
		expect(before).toContain('from "jobs"');
	});

	it('keeps its connection to itself: a query sent meanwhile is not made part of it', async () => {
		const { db } = await openThroughRelay(1);
		await db.execute(sql`create table marks (tag text)`);
		let inside!: () => void;
		const begun = new Promise<void>((r) => (inside = r));
		const tx = db
			.transaction(async (t) => {
				await t.execute(sql`insert into marks values ('in the transaction')`);
				inside();
				await new Promise((r) => setTimeout(r, 200));
				throw new Error('rolled back');
			})
			.catch((e: Error) => e.message);
		await begun;
		// One connection: this waits for the transaction's end, and must not run inside it (and be rolled back with it).
		await db.execute(sql`insert into marks values ('outside')`);
		expect(await tx).toBe('rolled back');
		const rows = rowsOf<{ tag: string }>(await db.execute(sql`select tag from marks`));
		expect(rows.map((r) => r.tag)).toEqual(['outside']);
	});

	it('answers each statement with its own answer after a connection reset under a transaction, on the same connection', async () => {
		// One connection: the transaction's, then, reconnected, the next statements'. A reset makes the socket
		// fail before it closes; the transaction's ROLLBACK is written in between. Upstream left that ROLLBACK,
		// and the statement the error had failed, pending on the connection, and after the reconnect each answer
		// went to the statement before it: the last one waited for ever (patches/postgres).
		const { db } = await openThroughRelay(1);
		for (let round = 0; round < 3; round++) {
			let inside!: () => void;
			const begun = new Promise<void>((r) => (inside = r));
			const tx = db
				.transaction(async (t) => {
					inside();
					await t.execute(sql`select pg_sleep(0.3)`);
				})
				.then(
					() => 'committed',
					() => 'failed'
				);
			await begun;
			await new Promise((r) => setTimeout(r, 50));
			relay!.reset();
			expect(await tx).toBe('failed');
			const answers = await Promise.race([
				Promise.all([1, 2, 3].map(async (n) => rowsOf<{ n: number }>(await db.execute(sql`select ${n}::int as n`))[0].n)),
				new Promise((r) => setTimeout(() => r('no answer within 5 s'), 5000))
			]);
			expect(answers).toEqual([1, 2, 3]);
			const inTx = await db.transaction(async (t) => rowsOf<{ n: number }>(await t.execute(sql`select 4::int as n`))[0].n);
			expect(inTx).toBe(4);
		}
	});

	it('reports a failed statement and commits nothing of it', async () => {
		const { db } = await openThroughRelay(2);
		await db.execute(sql`create table marks (tag text primary key)`);
		const failed = await db
			.transaction(async (t) => {
				await t.execute(sql`insert into marks values ('a')`);
				await t.execute(sql`insert into marks values ('a')`);
			})
			.then(
				() => 'committed',
				(e: Error) => String((e.cause as Error | undefined)?.message ?? e.message)
			);
		expect(failed).toMatch(/duplicate key/);
		expect(rowsOf(await db.execute(sql`select tag from marks`))).toEqual([]);
	});

	it('sends the COMMIT of commitBehind in the same write as the last statement', async () => {
		const { db } = await openThroughRelay(1);
		await db.execute(sql`create table marks (tag text)`);
		const before = relay!.writes.length;
		const rows = await commitBehind(db, async (tx) => {
			await tx.execute(sql`insert into marks values ('first')`);
			return last(tx.execute(sql`insert into marks values ('last') returning tag`).then(rowsOf<{ tag: string }>));
		});
		expect(rows).toEqual([{ tag: 'last' }]);
		// BEGIN with the first statement, then the last with the COMMIT: two writes, where awaiting the last
		// statement before the COMMIT takes three.
		expect(relay!.writes.slice(before).map((w) => w.includes("values ('last')"))).toEqual([false, true]);
		expect(rowsOf<{ tag: string }>(await db.execute(sql`select tag from marks order by tag`)).map((r) => r.tag)).toEqual(['first', 'last']);
	});

	it('fails, and each of its statements with it, when its connection drops with statements waiting their turn', async () => {
		const { db } = await openThroughRelay(1);
		await db.execute(sql`create table marks (tag text)`);
		relay!.holding = true;
		const statements: Promise<string>[] = [];
		const settled = (p: PromiseLike<unknown>) =>
			new Promise<string>((resolve) =>
				p.then(
					() => resolve('answered'),
					(e: Error) => resolve(String((e.cause as Error | undefined)?.message ?? e.message))
				)
			);
		const tx = commitBehind(db, async (t) => {
			// A statement text new to the connection is described first, and the ones behind it wait their
			// turn in the driver rather than on the wire: those are the ones a dropped connection stranded.
			const first = t.execute(sql`insert into marks values (${'first'})`);
			statements.push(settled(first));
			const second = last(t.execute(sql`insert into marks values (${'second'}) returning tag`));
			statements.push(settled(second.answer));
			return second;
		});
		const outcome = settled(tx);
		await new Promise((r) => setTimeout(r, 300));
		relay!.drop();
		// Upstream, the statements waiting their turn were never answered, and commitBehind, waiting for its
		// last statement's answer to report it, never returned: the hub's claims queued behind it for good.
		const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<string>((r) => setTimeout(() => r('still waiting'), 5000))]);
		expect(await within(outcome)).toMatch(/closed|terminat|ECONNRESET/i);
		for (const s of statements) expect(await within(s)).toMatch(/closed|terminat|ECONNRESET/i);
		relay!.holding = false;
		expect(rowsOf(await db.execute(sql`select tag from marks`))).toEqual([]);
	});
});

describe.each(TEST_DB_KINDS)('commitBehind on %s', (kind) => {
	let database: Database | null = null;
	afterEach(async () => {
		await database?.close();
	});

	it('answers with the last statement once committed, and commits nothing when that statement fails', async () => {
		database = await openTestDatabase(kind);
		const { db } = database;
		await db.execute(sql`create table marks (tag text primary key)`);
		const ok = await commitBehind(db, async (tx) => {
			await tx.execute(sql`insert into marks values ('a')`);
			return last(tx.execute(sql`insert into marks values ('b') returning tag`).then(rowsOf<{ tag: string }>));
		});
		expect(ok).toEqual([{ tag: 'b' }]);
		const failed = await commitBehind(db, async (tx) => {
			await tx.execute(sql`insert into marks values ('c')`);
			return last(tx.execute(sql`insert into marks values ('a')`));
		}).then(
			() => 'committed',
			(e: Error) => String((e.cause as Error | undefined)?.message ?? e.message)
		);
		expect(failed).toMatch(/duplicate key/);
		expect(rowsOf<{ tag: string }>(await db.execute(sql`select tag from marks order by tag`)).map((r) => r.tag)).toEqual(['a', 'b']);
	});

	it('refuses a statement sent on a transaction after it ended, rather than running it outside it', async () => {
		database = await openTestDatabase(kind);
		const { db } = database;
		await db.execute(sql`create table marks (tag text)`);
		// What commitBehind's last statement would do if it were started too late: reach the driver after the COMMIT.
		let late!: Db;
		await db.transaction(async (tx) => {
			late = tx;
		});
		const refused = await late.execute(sql`insert into marks values ('late')`).then(
			() => 'ran',
			(e: Error) => String((e.cause as Error | undefined)?.message ?? e.message)
		);
		// postgres-js (patches/postgres) and PGlite each say so in their own words.
		expect(refused).toMatch(/already ended|closed/i);
		expect(rowsOf(await db.execute(sql`select tag from marks`))).toEqual([]);
	});
});
