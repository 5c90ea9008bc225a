/**
 * A new interactive job stored in the lane claim that leases it (claim-rider.ts), on both databases: the claim's
 * candidates see the task its own transaction just inserted, a claim that fails stores nothing, and storing the
 * job again under its id after such a failure neither fails nor stores it twice.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { jobs, tasks } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { claimFor, seedModel, seedVolunteers, seededDatabase } from './testing';
import { ClaimRider } from './claim-rider';
import { createJobOnce, insertWhole, type NewJob } from './create-job';

describe.each(TEST_DB_KINDS)('a job stored in its lane claim, on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v1']);
		},
		(d) => (db = d)
	);

	const job = (): NewJob & { id: string } => ({
		id: randomUUID(),
		taskType: 'embedding',
		modelId: 'm',
		inputs: ['now'],
		priority: 'interactive',
		params: {},
		chunkSize: 1,
		replication: 1
	});

	it('is leased by the claim whose transaction inserts it: created and leased at one now()', async () => {
		const j = job();
		const rider = new ClaimRider((tx) => insertWhole(tx, j).statement);
		const [lease] = await claimFor(db, 'v1', { lane: 'interactive', rider });
		expect(lease.jobId).toBe(j.id);
		const [row] = await db
			.select({ state: tasks.state, leasedAt: tasks.leasedAt, createdAt: jobs.createdAt, status: jobs.status })
			.from(tasks)
			.innerJoin(jobs, eq(jobs.id, tasks.jobId))
			.where(eq(tasks.id, lease.id));
		expect(row).toMatchObject({ state: 'leased', status: 'running' });
		expect(row.leasedAt).toEqual(row.createdAt);
	});

	it('stores nothing when its claim fails, and is then stored once under its id, even if it was stored after all', async () => {
		const j = job();
		// The same job twice in one claim: the second insert fails on the job's key, and the claim with it.
		const twice = [new ClaimRider((tx) => insertWhole(tx, j).statement), new ClaimRider((tx) => insertWhole(tx, j).statement)];
		await expect(
			Promise.all([
				claimFor(db, 'v1', { lane: 'interactive', rider: twice[0] }),
				claimFor(db, 'v1', { lane: 'interactive', rider: twice[1] })
			])
		).rejects.toThrow();
		// Whichever claim failed rolled its insert back; the other stored the job. Storing it again changes nothing.
		const stored = await db.$count(jobs, eq(jobs.id, j.id));
		await createJobOnce(db, j);
		expect(await db.$count(jobs, eq(jobs.id, j.id))).toBe(1);
		expect(await db.$count(tasks, eq(tasks.jobId, j.id))).toBe(1);
		if (stored === 0) throw new Error('neither claim stored the job');

		// A job whose claim failed before storing it is stored by createJobOnce.
		const lost = job();
		await expect(
			claimFor(db, 'v1', {
				lane: 'interactive',
				rider: new ClaimRider((tx) => insertWhole(tx, { ...lost, modelId: 'no such model' }).statement)
			})
		).rejects.toThrow();
		expect(await db.$count(jobs, eq(jobs.id, lost.id))).toBe(0);
		await createJobOnce(db, lost);
		expect(await db.$count(tasks, eq(tasks.jobId, lost.id))).toBe(1);
	});
});
