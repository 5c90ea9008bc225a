import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { acceptedResults, creditLedger, results, tasks, volunteers } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { finishJobIfDone } from './finish-job';
import { getJobStatus } from './job-status';
import { claimFor, completeAs, makeJob, policy, seedModel, seedVolunteers, vec, seededDatabase } from './testing';
import { failTask } from './fail-task';
import { releaseSessionLeases } from './release-leases';

describe.each(TEST_DB_KINDS)('replication, validation and credit on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d, 2.5);
			await seedVolunteers(d, ['a', 'b', 'c', 'd', 'e']);
		},
		(opened) => (db = opened)
	);

	const volunteer = async (id: string) => (await db.select().from(volunteers).where(eq(volunteers.id, id)))[0];

	it('accepts a chunk when two distinct volunteers agree, and credits both', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		const [ta] = await claimFor(db, 'a');
		expect(await claimFor(db, 'a', { sessionId: 'another-tab' })).toHaveLength(0);
		const [tb] = await claimFor(db, 'b');
		expect(tb.id).not.toBe(ta.id);
		expect(await completeAs(db, ta, 'a')).toMatchObject({ stored: true, settlement: { outcome: 'waiting' } });
		expect(await finishJobIfDone(db, jobId)).toBeNull();
		expect(await completeAs(db, tb, 'b')).toMatchObject({ stored: true, settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect((await getJobStatus(db, jobId))?.result).toEqual([vec(0), vec(1)]);
		const ledger = await db.select().from(creditLedger);
		expect(ledger.map((l) => [l.volunteerId, l.amount]).sort()).toEqual([
			['a', 5],
			['b', 5]
		]);
		expect(await volunteer('a')).toMatchObject({ credit: 5, validResults: 1, consecutiveValid: 1 });
	});

	it('takes the majority of three, refuses the wrong one credit and resets its trust', async () => {
		await db.update(volunteers).set({ consecutiveValid: 7 }).where(eq(volunteers.id, 'c'));
		const { id: jobId } = await makeJob(db, 2, { replication: 3 });
		const [ta] = await claimFor(db, 'a');
		const [tb] = await claimFor(db, 'b');
		const [tc] = await claimFor(db, 'c');
		await completeAs(db, tc, 'c', 9); // the cheat answers first
		await completeAs(db, ta, 'a');
		expect(await completeAs(db, tb, 'b')).toMatchObject({ settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect((await getJobStatus(db, jobId))?.result).toEqual([vec(0), vec(1)]);
		expect(await volunteer('c')).toMatchObject({ credit: 0, invalidResults: 1, consecutiveValid: 0 });
		const verdicts = Object.fromEntries((await db.select().from(results)).map((r) => [r.volunteerId, r.verdict]));
		expect(verdicts).toEqual({ a: 'valid', b: 'valid', c: 'invalid' });
	});

	it('spawns another replica when two disagree, and accepts when a third breaks the tie', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		const [ta] = await claimFor(db, 'a');
		const [tb] = await claimFor(db, 'b');
		await completeAs(db, ta, 'a');
		expect(await completeAs(db, tb, 'b', 5)).toMatchObject({ settlement: { outcome: 'spawned' } });
		expect(await claimFor(db, 'a')).toHaveLength(0); // a and b already gave their answers
		const [tc] = await claimFor(db, 'c');
		expect(await completeAs(db, tc, 'c')).toMatchObject({ settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect((await getJobStatus(db, jobId))?.result).toEqual([vec(0), vec(1)]);
		expect(await db.select().from(acceptedResults)).toHaveLength(1);
	});

	it('gives a chunk up after 2n+1 replicas without a quorum', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		for (const [i, v] of ['a', 'b', 'c', 'd', 'e'].entries()) {
			const [t] = await claimFor(db, v);
			await completeAs(db, t, v, i * 10);
		}
		expect(await claimFor(db, 'a')).toHaveLength(0);
		expect(await finishJobIfDone(db, jobId)).toBe('failed');
		const status = await getJobStatus(db, jobId);
		expect(status?.errors[0].error).toMatch(/no quorum/);
		expect(await db.select().from(creditLedger)).toHaveLength(0);
	});

	it('keeps replicas of a chunk within one backend class', async () => {
		await makeJob(db, 2, { replication: 2 });
		await claimFor(db, 'a', { backendClass: 'wasm' });
		expect(await claimFor(db, 'b', { backendClass: 'webgpu-f32' })).toHaveLength(0);
		expect(await claimFor(db, 'c', { backendClass: 'wasm' })).toHaveLength(1);
	});

	it('lets a long-trusted volunteer compute a replicated chunk alone, by chance', async () => {
		await db.update(volunteers).set({ consecutiveValid: 1000 }).where(eq(volunteers.id, 'a'));
		const { id: jobId } = await makeJob(db, 4, { replication: 2 });
		const [solo] = await claimFor(db, 'a', { random: () => 0 });
		const [checked] = await claimFor(db, 'a', { random: () => 0.95 });
		const rows = await db.select().from(tasks).where(eq(tasks.jobId, jobId)).orderBy(tasks.seq, tasks.replica);
		expect(rows.map((r) => [r.seq, r.state, r.solo])).toEqual([
			[0, 'leased', true],
			[0, 'queued', false],
			[1, 'leased', false],
			[1, 'queued', false]
		]);
		// While the solo lease lives, nobody takes its sibling; the other chunk is replicated as usual.
		expect(await claimFor(db, 'b', { slots: 2 })).toMatchObject([{ seq: 1 }]);
		expect(await completeAs(db, solo, 'a')).toMatchObject({ settlement: { outcome: 'accepted' } });
		expect(await completeAs(db, checked, 'a')).toMatchObject({ settlement: { outcome: 'waiting' } });
		expect(
			(await db.select().from(tasks).where(eq(tasks.jobId, jobId)))
				.filter((r) => r.seq === 0)
				.map((r) => r.state)
				.sort()
		).toEqual(['cancelled', 'done']);
	});

	it('ends a solo grant with its lease: whoever takes the task next is checked as usual', async () => {
		await db.update(volunteers).set({ consecutiveValid: 1000 }).where(eq(volunteers.id, 'a'));
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		await claimFor(db, 'a', { random: () => 0 });
		await releaseSessionLeases(db, 'session-of-a');
		const [t] = await claimFor(db, 'c');
		expect(await completeAs(db, t, 'c', 7)).toMatchObject({ settlement: { outcome: 'waiting' } });
		const [u] = await claimFor(db, 'b');
		await completeAs(db, u, 'b');
		expect(await finishJobIfDone(db, jobId)).toBeNull(); // c and b disagree: a third opinion is needed
		expect(await db.select().from(acceptedResults)).toHaveLength(0);
	});

	it('takes turns between jobs of one priority, so a big job does not starve a small one', async () => {
		const { id: big } = await makeJob(db, 20);
		const { id: small } = await makeJob(db, 2);
		const order = [];
		for (let i = 0; i < 3; i++) {
			const [t] = await claimFor(db, 'a', { sessionId: `s${i}` });
			order.push(t.jobId);
			await completeAs(db, t, 'a');
		}
		expect(order).toEqual([big, small, big]);
	});

	it('credits nothing for a failed replica, and kills a chunk whose replicas all die', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 1 });
		// Distinct volunteers: one volunteer's failures count once (lease-transitions.ts).
		for (const volunteerId of ['a', 'b', 'c'].slice(0, policy.maxFailures)) {
			const [t] = await claimFor(db, volunteerId);
			await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId, error: 'out of memory' }, policy);
		}
		expect(await finishJobIfDone(db, jobId)).toBe('failed');
		expect((await getJobStatus(db, jobId))?.errors).toEqual([{ first_input: 0, inputs: 2, error: 'out of memory' }]);
		expect(await db.select().from(creditLedger)).toHaveLength(0);
	});

	it('duplicates a slow tail task for an idle volunteer; the first result wins and the other lease ends', async () => {
		const { id: jobId } = await makeJob(db, 4, { replication: 1 });
		const [slow] = await claimFor(db, 'a');
		expect(await claimFor(db, 'b', { tailMs: 0 })).toMatchObject([{ seq: 1 }]); // a queued task comes first
		expect(await claimFor(db, 'c', { tailMs: 60_000 })).toHaveLength(0); // nothing is slow by that measure
		const [dup] = await claimFor(db, 'c', { tailMs: 0 });
		expect(dup.seq).toBe(slow.seq); // the oldest lease is duplicated first
		expect(await claimFor(db, 'd', { tailMs: 0 })).toMatchObject([{ seq: 1 }]);
		expect(await claimFor(db, 'e', { tailMs: 0 })).toHaveLength(0); // one duplicate per chunk
		expect(await completeAs(db, dup, 'c')).toMatchObject({ settlement: { outcome: 'accepted', cancelledLeases: [slow.id] } });
		expect(await completeAs(db, slow, 'a')).toEqual({ stored: false, reason: 'stale_lease' });
		const rows = await db.select().from(tasks).where(eq(tasks.jobId, jobId));
		expect(
			rows
				.filter((r) => r.seq === slow.seq)
				.map((r) => r.state)
				.sort()
		).toEqual(['cancelled', 'done']);
		expect(await db.select().from(creditLedger).where(eq(creditLedger.volunteerId, 'a'))).toHaveLength(0);
	});

	it('waits three times the job’s recent task time before duplicating a tail task, not just tailMs', async () => {
		const { id: jobId } = await makeJob(db, 3, { replication: 1, chunkSize: 1 });
		const [first] = await claimFor(db, 'a');
		await completeAs(db, first, 'a');
		// The job's tasks have taken 10 s: a lease 20 s old is not slow yet (3 × 10 s), one 40 s old is.
		await db.update(results).set({ durationMs: 10_000 }).where(eq(results.jobId, jobId));
		const leased = [...(await claimFor(db, 'b')), ...(await claimFor(db, 'c'))];
		const leasedAgo = (id: number, s: number) =>
			db.execute(sql`update tasks set leased_at = now() - ${s} * interval '1 second' where id = ${id}`);
		await leasedAgo(leased[0].id, 20);
		await leasedAgo(leased[1].id, 40);
		const duplicates = await claimFor(db, 'd', { tailMs: 0, slots: 2 });
		expect(duplicates.map((t) => t.seq)).toEqual([leased[1].seq]);
	});
});
