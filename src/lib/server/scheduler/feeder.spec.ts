/**
 * The feeder (feeder.ts): replicas held by one hub process, picked in memory for its claim groups, with the
 * claim's rules still deciding in the database; other processes walk past them until the hold lapses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { claimGroup } from './claim-tasks';
import { Feeder } from './feeder';
import { claimRequest, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';

describe.each(['pglite', 'postgres'] as const)('the feeder on %s', (kind) => {
	let db: Db;
	const volunteers = Array.from({ length: 8 }, (_, i) => `v${i}`);
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, volunteers);
		},
		(opened) => (db = opened)
	);
	const feeders: Feeder[] = [];
	const feeder = (holder: string, holdMs = 5000) => {
		const f = new Feeder(db, { holder, holdMs });
		feeders.push(f);
		return f;
	};
	afterEach(async () => {
		await Promise.all(feeders.splice(0).map((f) => f.stop()));
	});

	const heldBy = async (holder: string) =>
		(await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.heldBy, holder))).map((r) => r.id).sort((a, b) => a - b);
	const seqsOf = async (ids: number[]) =>
		(await db.select({ seq: tasks.seq }).from(tasks).where(inArray(tasks.id, ids))).map((r) => r.seq).sort((a, b) => a - b);

	it('holds the next replicas in claim order and leases them from memory, in the same order', async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const a = feeder('hub-a');
		// The first group finds the buffer empty and walks; its leases start the refill.
		const first = await claimGroup(db, [claimRequest('v0', { slots: 2 })], a);
		expect(await seqsOf(first.flat().map((t) => t.id))).toEqual([0, 1]);
		await a.refilled();
		const held = await heldBy('hub-a');
		expect(held.length).toBeGreaterThanOrEqual(16);
		expect(await seqsOf(held)).toEqual(Array.from({ length: held.length }, (_, i) => i + 2));
		expect(a.held).toBe(held.length);

		const group = await claimGroup(
			db,
			volunteers.slice(1, 4).map((v) => claimRequest(v, { slots: 2 })),
			a
		);
		const leased = group.flat().map((t) => t.id);
		// Six leases, all from the buffer, in claim order, each by one claimant only; a lease ends its hold.
		expect(leased.every((id) => held.includes(id))).toBe(true);
		expect(await seqsOf(leased)).toEqual([2, 3, 4, 5, 6, 7]);
		expect(group.map((l) => l.length)).toEqual([2, 2, 2]);
		const rows = await db.select().from(tasks).where(inArray(tasks.id, leased));
		expect(rows.every((r) => r.state === 'leased' && r.heldBy === null && r.heldUntil === null)).toBe(true);
	});

	it("is walked past by another process's claims until its holds lapse", async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const a = feeder('hub-a');
		await claimGroup(db, [claimRequest('v0')], a);
		await a.refilled();
		const held = await heldBy('hub-a');
		// A claim of another process (no feeder, or its own) skips what hub-a holds.
		const [other] = await claimGroup(db, [claimRequest('v1')]);
		expect(held).not.toContain(other[0].id);
		expect(await seqsOf([other[0].id])).toEqual([1 + held.length]);
		const b = feeder('hub-b');
		const [fromB] = await claimGroup(db, [claimRequest('v2')], b);
		expect(held).not.toContain(fromB[0].id);
		// hub-a crashes: nothing renews its holds, and once they lapse every claim takes those replicas again.
		await db.execute(sql`update tasks set held_until = now() - interval '1 second' where held_by = 'hub-a'`);
		const [after] = await claimGroup(db, [claimRequest('v3')]);
		expect(after[0].id).toBe(held[0]);
	});

	it('takes new work ahead of what it holds in its turn', async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const a = feeder('hub-a');
		await claimGroup(db, [claimRequest('v0', { slots: 2 })], a);
		await a.refilled();
		// A second job's first chunks come before the first job's third in claim order (the lowest chunk number
		// across jobs): told of it, the feeder has it picked next, not what it already held.
		const second = await makeJob(db, 2, { chunkSize: 1 });
		a.workArrived();
		const [next] = await claimGroup(db, [claimRequest('v1')], a);
		expect(next.map((t) => [t.jobId, t.seq])).toEqual([[second.id, 0]]);
	});

	it('holds nothing past its hold: a lapsed replica leaves the buffer, and any claim may take it', async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const a = feeder('hub-a', 300);
		await claimGroup(db, [claimRequest('v0')], a);
		await a.refilled();
		const held = await heldBy('hub-a');
		expect(a.held).toBe(held.length);
		await expect.poll(() => a.held, { timeout: 2000, interval: 50 }).toBe(0);
		const [other] = await claimGroup(db, [claimRequest('v1')]);
		expect(other[0].id).toBe(held[0]);
	});

	it('leaves the decision to the claim rules: a pick they refuse is not leased, and goes back for others', async () => {
		// Replication 2: v0 takes chunk 0's first replica through a claim of no feeder, which hub-a cannot know of.
		await makeJob(db, 10, { chunkSize: 1, replication: 2 });
		const [own] = await claimGroup(db, [claimRequest('v0')]);
		const a = feeder('hub-a');
		// A request that leases nothing (it refuses the model) still starts hub-a's refill.
		expect(await claimGroup(db, [claimRequest('v1', { excludeModels: ['m'] })], a)).toEqual([[]]);
		await a.refilled();
		const sibling = (await db.select().from(tasks).where(eq(tasks.seq, 0))).find((t) => t.id !== own[0].id)!;
		expect(await heldBy('hub-a')).toContain(sibling.id);
		// hub-a picks chunk 0's other replica for v0 first; the rules refuse it (one volunteer is no quorum), so v0
		// gets the next chunk.
		const [mine] = await claimGroup(db, [claimRequest('v0')], a);
		expect(mine).toHaveLength(1);
		expect(mine[0].id).not.toBe(sibling.id);
		expect(await seqsOf([mine[0].id])).toEqual([1]);
		// The refused replica is still held here, and leased to the next volunteer that may take it.
		expect(await heldBy('hub-a')).toContain(sibling.id);
		const [next] = await claimGroup(db, [claimRequest('v2')], a);
		expect(next[0].id).toBe(sibling.id);
	});

	it('drops picks no longer held there and walks for the request instead', async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const a = feeder('hub-a');
		await claimGroup(db, [claimRequest('v0')], a);
		await a.refilled();
		const before = a.held;
		// Its holds lapsed and another process holds them now.
		await db.execute(sql`update tasks set held_by = 'hub-b' where held_by = 'hub-a'`);
		const [got] = await claimGroup(db, [claimRequest('v1', { slots: 2 })], a);
		expect(got).toHaveLength(2);
		expect(await heldBy('hub-b')).not.toContain(got[0].id);
		expect(a.held).toBe(before - 3);
	});

	it('gives its holds back when it stops', async () => {
		await makeJob(db, 40, { chunkSize: 1 });
		const a = feeder('hub-a');
		await claimGroup(db, [claimRequest('v0')], a);
		await a.refilled();
		expect((await heldBy('hub-a')).length).toBeGreaterThan(0);
		await a.stop();
		expect(await db.select().from(tasks).where(isNotNull(tasks.heldBy))).toEqual([]);
		expect(await claimGroup(db, [claimRequest('v1')], a)).toHaveLength(1);
		expect(await db.select().from(tasks).where(isNotNull(tasks.heldBy))).toEqual([]);
	});

	it('never leases one replica twice across processes', async () => {
		await makeJob(db, 60, { chunkSize: 1 });
		const hubs = [feeder('hub-a'), feeder('hub-b')];
		const leased: number[] = [];
		await Promise.all(
			hubs.map(async (f, h) => {
				for (let round = 0; round < 10; round++) {
					const group = await claimGroup(
						db,
						volunteers.slice(h * 4, h * 4 + 4).map((v) => claimRequest(v, { sessionId: `${v}-${round}` })),
						f
					);
					leased.push(...group.flat().map((t) => t.id));
				}
			})
		);
		expect(new Set(leased).size).toBe(leased.length);
		expect(leased).toHaveLength(60);
	});
});
