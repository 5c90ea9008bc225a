import { describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { acceptedResults, creditLedger, results, tasks, volunteers } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { claimFor, makeJob, policy, seedModel, seedVolunteers, seededDatabase, vec } from './testing';
import { completeGroup } from './complete-group';
import type { Completion } from './types';
import { GroupCommit } from './group-commit';
import { leasesOf } from './current-leases';
import { randomUUID } from 'node:crypto';

type Lease = { id: number; leaseToken: string; inputs: string[] };

const resultOf = (t: Lease, volunteerId: string, shift = 0): Completion => ({
	taskId: t.id,
	leaseToken: t.leaseToken,
	volunteerId,
	outputs: t.inputs.map((_, i) => vec(i + shift)),
	backend: 'wasm',
	resultClass: 'wasm/fp32',
	durationMs: 5
});

/** The database, with its transactions counted: a group must cost one. */
function countingTransactions(db: Db) {
	const counted = Object.create(db) as Db & { transactions: number };
	counted.transactions = 0;
	counted.transaction = ((...args: Parameters<Db['transaction']>) => {
		counted.transactions++;
		return db.transaction(...args);
	}) as Db['transaction'];
	return counted;
}

/**
 * The database, with the statements its transactions send counted: each goes through the session's
 * prepareQuery (a query builder embedded in another statement does not).
 */
function countingStatements(db: Db) {
	const counted = Object.create(db) as Db & { statements: number };
	counted.statements = 0;
	counted.transaction = ((fn: (tx: Db) => Promise<unknown>, config?: Parameters<Db['transaction']>[1]) =>
		db.transaction((tx) => {
			const session = (tx as unknown as { session: { prepareQuery: (...args: unknown[]) => unknown } }).session;
			const prepare = session.prepareQuery.bind(session);
			session.prepareQuery = (...args: unknown[]) => {
				counted.statements++;
				return prepare(...args);
			};
			return fn(tx);
		}, config)) as Db['transaction'];
	return counted;
}

describe.each(TEST_DB_KINDS)('group commit on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v1', 'v2', 'v3', 'v4']);
		},
		(opened) => (db = opened)
	);

	it('commits the results of several volunteers, replicated and not, in one transaction, each with its own outcome', async () => {
		await makeJob(db, 12); // 6 unreplicated chunks
		const { id: replicatedJob } = await makeJob(db, 2, { replication: 2 });
		// One after another: claims racing on so small a queue may skip each other's locked candidates and take nothing.
		const mine = [];
		for (const v of ['v1', 'v2', 'v3']) mine.push(await claimFor(db, v, { slots: 2 }));
		const [r1] = await claimFor(db, 'v4', { slots: 1 });
		const replicas = [...mine.flat(), r1].filter(Boolean);
		const holders = new Map<number, string>();
		mine.forEach((ts, i) => ts.forEach((t) => holders.set(t.id, `v${i + 1}`)));
		if (r1) holders.set(r1.id, 'v4');
		expect(replicas.length).toBeGreaterThanOrEqual(4);
		expect(new Set(holders.values()).size).toBeGreaterThanOrEqual(3);
		const counted = countingTransactions(db);
		const sent = replicas.map((t) => resultOf(t, holders.get(t.id)!));
		const outcomes = await completeGroup(counted, sent, policy);
		// One transaction, or none beyond the single statement when no replicated result is in the group.
		const replicatedInGroup = replicas.filter((t) => t.jobId === replicatedJob).length;
		expect(counted.transactions).toBe(replicatedInGroup > 0 ? 1 : 0);
		expect(outcomes.every((o) => o.stored)).toBe(true);
		const stored = await db
			.select()
			.from(results)
			.where(
				inArray(
					results.taskId,
					sent.map((s) => s.taskId)
				)
			);
		expect(stored).toHaveLength(sent.length);
		// Each volunteer's record counts its own results, once.
		const [v1] = await db.select().from(volunteers).where(eq(volunteers.id, 'v1'));
		expect(v1.tasksDone).toBe(mine[0].length);
		const replicatedAccepted = await db.select().from(acceptedResults).where(eq(acceptedResults.jobId, replicatedJob));
		// Two replicas of the replicated chunk agreeing, both in this group: accepted; otherwise still waiting.
		expect(replicatedAccepted).toHaveLength(replicatedInGroup >= 2 ? 1 : 0);
	});

	it("settles a replica in four statements: the chunk's lock, its lease ended with its result stored, the chunk read, the tally", async () => {
		await makeJob(db, 4, { replication: 2 });
		const [t, u] = await claimFor(db, 'v1', { slots: 2 });
		const counted = countingStatements(db);
		// The first replica of its chunk: stored, and the chunk waits for the second.
		const [outcome] = await completeGroup(counted, [resultOf(t, 'v1')], policy);
		expect(outcome).toMatchObject({ stored: true, settlement: { outcome: 'waiting' } });
		expect(counted.statements).toBe(4);
		// A result whose lease was known (the lease book) but whose token is not the lease's: the same statement stores nothing.
		const [known] = await leasesOf(db, [resultOf(u, 'v1')], []);
		if (!known) throw new Error('the lease just claimed was not found');
		counted.statements = 0;
		const [forged] = await completeGroup(counted, [{ ...resultOf(u, 'v1'), leaseToken: randomUUID() }], policy, [known]);
		expect(forged).toEqual({ stored: false, reason: 'stale_lease' });
		expect(counted.statements).toBe(2);
		const stored = await db
			.select({ taskId: results.taskId })
			.from(results)
			.where(inArray(results.taskId, [t.id, u.id]));
		expect(stored).toEqual([{ taskId: t.id }]);
		const rows = await db
			.select({ id: tasks.id, state: tasks.state })
			.from(tasks)
			.where(inArray(tasks.id, [t.id, u.id]))
			.orderBy(tasks.id);
		expect(rows).toEqual([
			{ id: t.id, state: 'done' },
			{ id: u.id, state: 'leased' }
		]);
	});

	it('refuses a stale, a forged, a replayed and a wrong-shaped result while accepting the others of its group', async () => {
		await makeJob(db, 10);
		const [a, b, c, d] = await claimFor(db, 'v1', { slots: 4 });
		const [e] = await claimFor(db, 'v2');
		const wrongShape = { ...resultOf(d, 'v1'), outputs: [[1, 2]] };
		const sent = [
			resultOf(a, 'v1'),
			{ ...resultOf(b, 'v1'), leaseToken: crypto.randomUUID() }, // forged token
			resultOf(c, 'v2'), // not its lease
			resultOf(e, 'v2'),
			resultOf(a, 'v1'), // the same lease again
			wrongShape
		];
		const outcomes = await completeGroup(db, sent, policy);
		expect(outcomes.map((o) => (o.stored ? 'stored' : o.reason))).toEqual([
			'stored',
			'stale_lease',
			'stale_lease',
			'stored',
			'stale_lease',
			'rejected_output'
		]);
		const leased = await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.state, 'leased'));
		expect(leased.map((t) => t.id).sort()).toEqual([b.id, c.id].sort());
		const ledger = await db.select().from(creditLedger);
		expect(ledger.map((l) => l.taskId).sort()).toEqual([a.id, e.id].sort());
	});

	it('accepts one of two tail duplicates of a chunk handed in in one group, and credits only it', async () => {
		await makeJob(db, 2);
		const [orig] = await claimFor(db, 'v1');
		await db
			.update(tasks)
			.set({ leasedAt: new Date(Date.now() - 60_000) })
			.where(eq(tasks.id, orig.id));
		const [dup] = await claimFor(db, 'v2', { tailMs: 1000 });
		expect(dup?.seq).toBe(orig.seq);
		const outcomes = await completeGroup(db, [resultOf(orig, 'v1'), resultOf(dup, 'v2')], policy);
		expect(outcomes.every((o) => o.stored)).toBe(true);
		const settled = outcomes.map((o) => (o.stored ? o.settlement.outcome : null));
		expect(settled.sort()).toEqual(['accepted', 'already']);
		expect(await db.select().from(acceptedResults)).toHaveLength(1);
		expect(await db.select().from(creditLedger)).toHaveLength(1);
	});
});

describe('GroupCommit', () => {
	it('hands items that arrive together to one commit and gives each caller its own outcome, after the commit', async () => {
		const commits: number[][] = [];
		const group = new GroupCommit<number, string>({ ms: 5, max: 64 }, async (items) => {
			commits.push(items);
			return items.map((i) => `done ${i}`);
		});
		const outcomes = await Promise.all([1, 2, 3].map((i) => group.add(i)));
		expect(commits).toEqual([[1, 2, 3]]);
		expect(outcomes).toEqual(['done 1', 'done 2', 'done 3']);
	});

	it('closes a group at the end of the turn when no commit is in flight, and waits `ms` for company while one is', async () => {
		const commits: number[][] = [];
		let finish = () => {};
		const group = new GroupCommit<number, number>({ ms: 60_000, max: 64 }, async (items) => {
			commits.push(items);
			if (items[0] === 1) await new Promise<void>((r) => (finish = r));
			return items;
		});
		// A quiet hub: the lone first item is committed without waiting out the minute.
		const first = group.add(1);
		await new Promise((r) => setImmediate(r));
		expect(commits).toEqual([[1]]);
		// While that commit is in flight, later items wait for company (here, until drained).
		const later = [2, 3].map((i) => group.add(i));
		await new Promise((r) => setTimeout(r, 20));
		expect(commits).toEqual([[1]]);
		finish();
		await first;
		await group.drain();
		expect(await Promise.all(later)).toEqual([2, 3]);
		expect(commits).toEqual([[1], [2, 3]]);
	});

	it('commits a full group at once and splits what is beyond `max`', async () => {
		const commits: number[][] = [];
		const group = new GroupCommit<number, number>({ ms: 60_000, max: 2 }, async (items) => {
			commits.push(items);
			return items;
		});
		const all = [1, 2, 3].map((i) => group.add(i));
		await Promise.all(all.slice(0, 2));
		await group.drain();
		expect(await Promise.all(all)).toEqual([1, 2, 3]);
		expect(commits).toEqual([[1, 2], [3]]);
	});

	it('rejects every member of a group whose commit failed (none is acknowledged)', async () => {
		const group = new GroupCommit<number, number>({ ms: 1, max: 8 }, async () => {
			throw new Error('database gone');
		});
		const all = [1, 2].map((i) =>
			group.add(i).then(
				() => 'acked',
				() => 'refused'
			)
		);
		expect(await Promise.all(all)).toEqual(['refused', 'refused']);
	});
});
