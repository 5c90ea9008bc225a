/**
 * Claims in groups (claim-tasks.ts's claimGroup): many volunteers' requests served in one transaction,
 * in the same few statements as one request, each with its own leases, under the same rules as a claim
 * alone. Statements are counted by wrapping the transaction: every statement a claim sends is one call
 * of execute, update or insert on it.
 */
import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import { rowsOf } from '../db/rows';
import { emptyPostgresDatabase, openTestDatabase, TEST_DB_KINDS, testServerUrl } from '../db/testing';
import { openDatabase } from '../db';
import { PgRelay } from '../db/testing-relay';
import type { Db } from '../db';
import { claimGroup } from './claim-tasks';
import { claimRequest, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';

/** What sends a statement. Not select: the rules build their subqueries with it (a claim reads through execute). */
const STATEMENTS = new Set(['execute', 'update', 'insert']);

/** `db` with a count of the statements its transactions send. */
function counted(db: Db) {
	const count = { statements: 0 };
	const wrap = (tx: Db): Db =>
		new Proxy(tx, {
			get(target, key, receiver) {
				const value = Reflect.get(target, key, receiver);
				if (typeof key !== 'string' || !STATEMENTS.has(key)) return value;
				return (...args: unknown[]) => {
					count.statements++;
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		});
	const proxied = new Proxy(db, {
		get(target, key, receiver) {
			if (key !== 'transaction') return Reflect.get(target, key, receiver);
			return (run: (tx: Db) => Promise<unknown>) => target.transaction((tx) => run(wrap(tx as unknown as Db)));
		}
	}) as Db;
	return { db: proxied, count };
}

describe.each(TEST_DB_KINDS)('claims in groups on %s', (kind) => {
	let db: Db;
	const volunteers = Array.from({ length: 12 }, (_, i) => `v${i}`);
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, volunteers);
		},
		(opened) => (db = opened)
	);

	it('leases twelve requests distinct tasks in the same number of statements as one request', async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const { db: watched, count } = counted(db);
		// The statements built once (built-once.ts) are built at their first call, through the same calls: a claim first.
		await claimGroup(watched, [claimRequest('v0', { slots: 1 })]);
		count.statements = 0;
		const [alone] = await claimGroup(watched, [claimRequest('v0', { slots: 2 })]);
		const one = count.statements;
		count.statements = 0;
		const group = await claimGroup(
			watched,
			volunteers.slice(1).map((v) => claimRequest(v, { slots: 3 }))
		);
		expect(count.statements).toBe(one);
		// Unflushed commit, locks, counts, candidates, leases, jobs started: a claim that sent a statement per
		// lease or per claimant would show here.
		expect(one).toBe(6);
		expect(alone).toHaveLength(2);
		expect(group.map((leases) => leases.length)).toEqual(volunteers.slice(1).map(() => 3));
		const ids = [...alone, ...group.flat()].map((t) => t.id);
		expect(new Set(ids).size).toBe(35);
		// Each lease is its claimant's, fenced by its own token.
		for (const [i, leases] of group.entries()) {
			const rows = await db
				.select()
				.from(tasks)
				.where(eq(tasks.leaseVolunteer, volunteers[i + 1]));
			expect(rows.map((r) => r.leaseToken).sort()).toEqual(leases.map((t) => t.leaseToken).sort());
		}
	});

	it('leases at most one replica of a chunk per group; the next group takes the sibling', async () => {
		await makeJob(db, 3, { chunkSize: 1, replication: 2 });
		const first = await claimGroup(db, [claimRequest('v0'), claimRequest('v1'), claimRequest('v2'), claimRequest('v3')]);
		expect(first.map((l) => l.length)).toEqual([1, 1, 1, 0]);
		expect(new Set(first.flat().map((t) => t.seq)).size).toBe(3);
		const second = await claimGroup(db, [claimRequest('v3', { slots: 3 })]);
		expect(second[0].map((t) => t.seq).sort()).toEqual([0, 1, 2]);
	});

	it('shares a volunteer cap between its sessions in one group', async () => {
		await makeJob(db, 10, { chunkSize: 1 });
		const [a, b] = await claimGroup(db, [
			claimRequest('v0', { sessionId: 'tab-1', slots: 2, maxPerVolunteer: 3 }),
			claimRequest('v0', { sessionId: 'tab-2', slots: 2, maxPerVolunteer: 3 })
		]);
		expect([a.length, b.length]).toEqual([2, 1]);
	});

	it('answers each request by its own filters: task types and lane', async () => {
		await makeJob(db, 2, { chunkSize: 1 });
		await makeJob(db, 1, { chunkSize: 1, priority: 'interactive' });
		const [lane, wrongType, batch] = await claimGroup(db, [
			claimRequest('v0', { lane: 'interactive', slots: 2 }),
			claimRequest('v1', { taskTypes: ['classification'] }),
			claimRequest('v2', { slots: 3 })
		]);
		expect(lane).toHaveLength(1);
		expect(wrongType).toEqual([]);
		expect(batch).toHaveLength(2);
		expect(new Set([...lane, ...batch].map((t) => t.jobId)).size).toBe(2);
	});
});

describe.skipIf(testServerUrl() === null)('claims in groups on PostgreSQL', () => {
	it('send the same statement texts whatever the group’s size', async () => {
		// One connection, so its prepared statements are every text the claims sent.
		const database = await openTestDatabase('postgres', { poolSize: 1 });
		try {
			const { db } = database;
			const volunteers = Array.from({ length: 10 }, (_, i) => `v${i}`);
			await seedModel(db);
			await seedVolunteers(db, volunteers);
			await makeJob(db, 60, { chunkSize: 1 });
			const texts = async () =>
				Number(rowsOf<{ n: string | number }>(await db.execute(sql`select count(*) as n from pg_prepared_statements`))[0].n);
			const request = (v: string, i: number) => claimRequest(v, { network: `net-${i % 3}`, leasesPerNetwork: 50, maxPerVolunteer: 5 });
			await claimGroup(db, [request('v0', 0)]);
			const afterOne = await texts();
			let next = 1;
			for (const size of [2, 3, 4]) {
				await claimGroup(
					db,
					volunteers.slice(next, next + size).map((v, i) => request(v, next + i))
				);
				next += size;
			}
			// A text that changed with the group's size is parsed, described and kept anew on every connection:
			// a round trip more for the claim, each time.
			expect(await texts()).toBe(afterOne);
		} finally {
			await database.close();
		}
	});

	it('hands the driver its locks before the counts and candidates they guard', async () => {
		const empty = await emptyPostgresDatabase();
		const { relay, url } = await PgRelay.open(empty!.url);
		const database = await openDatabase({ url, poolSize: 1 });
		try {
			const { db } = database;
			await seedModel(db);
			await seedVolunteers(db, ['v0', 'v1']);
			await makeJob(db, 4, { chunkSize: 1 });
			const from = relay.writes.length;
			await claimGroup(db, [claimRequest('v0'), claimRequest('v1')]);
			// A connection parses each text before its first use there, in the order the statements reached the
			// driver: the locks must come first, or the counts and candidates are read before the locks that make
			// them safe from a claim of the same volunteer beside this one. (The unflushed commit may go anywhere
			// before the COMMIT.)
			const sent = relay.writes.slice(from).join('');
			const at = ['pg_advisory_xact_lock', "state\" = 'leased' and", 'cross join lateral'].map((text) => sent.indexOf(text));
			expect(at.every((i) => i >= 0)).toBe(true);
			expect([...at].sort((a, b) => a - b)).toEqual(at);
		} finally {
			await database.close();
			await relay.close();
			await empty!.drop();
		}
	});
});
