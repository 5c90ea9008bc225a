import { describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { models, tasks, volunteers } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { checkpointTask } from './checkpoint-task';
import { completeTask } from './complete-task';
import { finishJobIfDone } from './finish-job';
import { getJobStatus } from './job-status';
import { claimFor, completeAs, makeJob, policy, seedModel, seedVolunteers, vec, seededDatabase } from './testing';

/** Hands in outputs vec(from + i) for the lease's inputs (a resumed lease starts after the checkpoint). */
function completeFrom(
	db: Db,
	t: { id: number; leaseToken: string; inputs: string[]; checkpointed: number },
	volunteerId: string,
	backend: 'wasm' | 'native' = 'wasm'
) {
	const outputs = t.inputs.slice(t.checkpointed).map((_, i) => vec(t.checkpointed + i));
	return completeTask(
		db,
		{ taskId: t.id, leaseToken: t.leaseToken, volunteerId, outputs, backend, resultClass: `${backend}/fp32`, durationMs: 5 },
		policy
	);
}

describe.each(TEST_DB_KINDS)('checkpoints of yielded tasks on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['a', 'b', 'c']);
		},
		(opened) => (db = opened)
	);

	it('keeps the finished prefix, re-leases the rest at once and completes with both', async () => {
		const { id: jobId } = await makeJob(db, 4, { chunkSize: 4 });
		const [ta] = await claimFor(db, 'a');
		expect(ta.checkpointed).toBe(0);
		expect(await checkpointTask(db, { taskId: ta.id, leaseToken: ta.leaseToken, volunteerId: 'a', outputs: [vec(0), vec(1)] })).toEqual({
			kept: 2
		});
		const [row] = await db.select().from(tasks).where(eq(tasks.id, ta.id));
		expect(row).toMatchObject({ state: 'queued', leaseToken: null, failures: 0, checkpointBy: ['a'] });
		// The old token is dead: a late result or a second checkpoint changes nothing.
		expect(await completeAs(db, ta, 'a')).toEqual({ stored: false, reason: 'stale_lease' });
		const [tb] = await claimFor(db, 'b');
		expect(tb).toMatchObject({ id: ta.id, checkpointed: 2 });
		expect(await checkpointTask(db, { taskId: tb.id, leaseToken: tb.leaseToken, volunteerId: 'b', outputs: [vec(2)] })).toEqual({
			kept: 1
		});
		const [tc] = await claimFor(db, 'c');
		expect(tc.checkpointed).toBe(3);
		expect(await completeFrom(db, tc, 'c')).toMatchObject({ stored: true, settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect((await getJobStatus(db, jobId))?.result).toEqual([0, 1, 2, 3].map(vec));
	});

	it('refuses bad checkpoints and changes nothing', async () => {
		await makeJob(db, 3, { chunkSize: 3 });
		const [t] = await claimFor(db, 'a');
		const ids = { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'a' };
		expect(await checkpointTask(db, { ...ids, outputs: [vec(0), vec(1), vec(2)] })).toMatchObject({ code: 'invalid' });
		expect(await checkpointTask(db, { ...ids, outputs: [[1, 2]] })).toMatchObject({ code: 'invalid', error: /dimensions/ });
		expect(await checkpointTask(db, { ...ids, volunteerId: 'b', outputs: [vec(0)] })).toMatchObject({ code: 'stale_lease' });
		const [row] = await db.select().from(tasks).where(eq(tasks.id, t.id));
		expect(row).toMatchObject({ state: 'leased', checkpoint: null });
	});

	it('keeps nothing of a replicated chunk: each replica is computed whole by its own volunteer', async () => {
		const { id: jobId } = await makeJob(db, 2, { chunkSize: 2, replication: 2 });
		const [ta] = await claimFor(db, 'a');
		// Well-shaped but made up: kept, it would sit inside whoever finished the replica.
		expect(await checkpointTask(db, { taskId: ta.id, leaseToken: ta.leaseToken, volunteerId: 'a', outputs: [vec(100)] })).toEqual({
			kept: 0
		});
		const [row] = await db.select().from(tasks).where(eq(tasks.id, ta.id));
		expect(row).toMatchObject({ state: 'queued', leaseToken: null, checkpoint: null, checkpointParts: null, failures: 0 });
		const [tb] = await claimFor(db, 'b');
		const [tc] = await claimFor(db, 'c');
		expect([tb.checkpointed, tc.checkpointed]).toEqual([0, 0]);
		expect(await completeAs(db, tb, 'b')).toMatchObject({ stored: true, settlement: { outcome: 'waiting' } });
		expect(await completeAs(db, tc, 'c')).toMatchObject({ stored: true, settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect((await getJobStatus(db, jobId))?.result).toEqual([vec(0), vec(1)]);
	});

	it('records who computed each part, and credits the finisher only for the inputs it computed', async () => {
		await makeJob(db, 4, { chunkSize: 4 });
		const [ta] = await claimFor(db, 'a');
		await checkpointTask(db, { taskId: ta.id, leaseToken: ta.leaseToken, volunteerId: 'a', outputs: [vec(0), vec(1), vec(2)] });
		const [tb] = await claimFor(db, 'b');
		expect(await completeFrom(db, tb, 'b')).toMatchObject({
			settlement: { outcome: 'accepted', credited: [{ volunteerId: 'b', amount: 1 }] }
		});
		const [row] = await db.select().from(tasks).where(eq(tasks.id, ta.id));
		expect(row.checkpointParts).toEqual([{ volunteerId: 'a', outputs: 3 }]);
		const [b] = await db.select({ credit: volunteers.credit }).from(volunteers).where(eq(volunteers.id, 'b'));
		expect(b.credit).toBe(1);
	});

	it('blames the author of a checkpointed part when the result holding it is found invalid', async () => {
		await seedVolunteers(db, ['author'], 7);
		await makeJob(db, 2, { chunkSize: 2, replication: 2 });
		const [ta] = await claimFor(db, 'a');
		// As a replica resumed from 'author''s checkpoint stands (the part is on record with the replica).
		await db
			.update(tasks)
			.set({ checkpointParts: [{ volunteerId: 'author', outputs: 1 }] })
			.where(eq(tasks.id, ta.id));
		const [tb] = await claimFor(db, 'b');
		expect(await completeAs(db, ta, 'a', 5)).toMatchObject({ stored: true });
		expect(await completeAs(db, tb, 'b')).toMatchObject({ settlement: { outcome: 'spawned' } });
		const [tc] = await claimFor(db, 'c');
		expect(await completeAs(db, tc, 'c')).toMatchObject({ settlement: { outcome: 'accepted' } });
		const rows = await db
			.select({ id: volunteers.id, invalid: volunteers.invalidResults, run: volunteers.consecutiveValid })
			.from(volunteers)
			.where(inArray(volunteers.id, ['a', 'author']));
		expect(rows.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
			{ id: 'a', invalid: 1, run: 0 },
			{ id: 'author', invalid: 1, run: 0 }
		]);
	});

	it('caps the leases a session holds and leaves heavy models to higher bands', async () => {
		await makeJob(db, 10, { chunkSize: 1 });
		expect(await claimFor(db, 'a', { slots: 5, maxHeld: 2 })).toHaveLength(2);
		expect(await claimFor(db, 'a', { slots: 5, maxHeld: 2 })).toHaveLength(0);
		expect(await claimFor(db, 'a', { slots: 5, maxHeld: 3 })).toHaveLength(1);
		await db.update(models).set({ cost: 150 }).where(eq(models.id, 'm'));
		expect(await claimFor(db, 'b', { slots: 2, maxCost: 100 })).toHaveLength(0);
		expect(await claimFor(db, 'b', { slots: 2, maxCost: 500 })).toHaveLength(2);
	});

	it('caps the leases one volunteer holds across all its sessions', async () => {
		await makeJob(db, 10, { chunkSize: 1 });
		const cap = { slots: 3, maxHeld: 3, maxPerVolunteer: 4 };
		expect(await claimFor(db, 'c', { ...cap, sessionId: 'tab-1' })).toHaveLength(3);
		expect(await claimFor(db, 'c', { ...cap, sessionId: 'tab-2' })).toHaveLength(1);
		expect(await claimFor(db, 'c', { ...cap, sessionId: 'tab-3' })).toHaveLength(0);
		expect(await claimFor(db, 'c', { ...cap, sessionId: 'tab-4', maxPerVolunteer: 0 })).toHaveLength(3);
	});
});
