import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { results, tasks, volunteerSessions, volunteers } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import { claimFor, completeAs, expireLeases, makeJob, policy, seedModel, seedVolunteers, seededDatabase, vec } from './testing';
import type { Db } from '../db';
import { completeTask } from './complete-task';
import { failTask } from './fail-task';
import { finishJobIfDone } from './finish-job';
import { releaseLease, releaseSessionLeases } from './release-leases';
import { releaseExpiredLeases } from './release-expired-leases';
import { renewLease } from './renew-lease';
import { cancelJob } from './cancel-job';
import { getJobStatus } from './job-status';
import { deleteStaleSessions } from '../volunteers/sessions';
import { REST_HUB } from '../volunteers/rest-nodes';
import { nodeCapabilities } from '../../headless/headless-volunteer';

/** Sessions older than this are stale (volunteers/sessions.ts's sessionStaleMs of the default 10 s heartbeat). */
const STALE_MS = 30_000;

describe.each(TEST_DB_KINDS)('scheduler on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v1', 'v2', 'v3']);
		},
		(opened) => (db = opened)
	);

	it('splits a job into tasks of chunk size, in input order', async () => {
		const { id, totalTasks } = await makeJob(db, 5);
		expect(totalTasks).toBe(3);
		const rows = await db.select().from(tasks).where(eq(tasks.jobId, id)).orderBy(tasks.seq);
		expect(rows.map((r) => [r.seq, r.firstInput, r.inputs.length])).toEqual([
			[0, 0, 2],
			[1, 2, 2],
			[2, 4, 1]
		]);
	});

	it('never leases one task twice, however many claims race', async () => {
		await makeJob(db, 20); // 10 tasks
		const claims = await Promise.all(Array.from({ length: 25 }, (_, i) => claimFor(db, 'v1', { sessionId: `s${i}`, slots: 1 + (i % 3) })));
		const ids = claims.flat().map((t) => t.id);
		expect(ids).toHaveLength(10);
		expect(new Set(ids).size).toBe(10);
		const leased = await db.select().from(tasks).where(eq(tasks.state, 'leased'));
		expect(leased).toHaveLength(10);
	});

	it('accepts a result once, only with the current token', async () => {
		const { id: jobId } = await makeJob(db, 2);
		const [t] = await claimFor(db, 'v1');
		const forged = await completeTask(
			db,
			{
				taskId: t.id,
				leaseToken: crypto.randomUUID(),
				volunteerId: 'v1',
				outputs: [vec(0), vec(1)],
				backend: 'wasm',
				resultClass: 'wasm/fp32',
				durationMs: 1
			},
			policy
		);
		expect(forged).toEqual({ stored: false, reason: 'stale_lease' });
		expect(await completeAs(db, t, 'v2')).toEqual({ stored: false, reason: 'stale_lease' });
		expect(await completeAs(db, t, 'v1')).toMatchObject({ stored: true, jobId });
		expect(await completeAs(db, t, 'v1')).toEqual({ stored: false, reason: 'stale_lease' });
		expect(await db.select().from(results)).toHaveLength(1);
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		expect(await finishJobIfDone(db, jobId)).toBeNull();
		const status = await getJobStatus(db, jobId);
		expect(status).toMatchObject({ status: 'completed', progress: { done: 2, total: 2 }, result: [vec(0), vec(1)] });
		const [v1] = await db.select().from(volunteers).where(eq(volunteers.id, 'v1'));
		expect(v1).toMatchObject({ tasksDone: 1, inputsDone: 2 });
	});

	it('re-leases a released session lease to someone else and refuses the old token', async () => {
		await makeJob(db, 4);
		const mine = await claimFor(db, 'v1', { slots: 2 });
		expect(mine).toHaveLength(2);
		expect((await releaseSessionLeases(db, 'session-of-v1')).sort()).toEqual(mine.map((t) => t.id).sort());
		const theirs = await claimFor(db, 'v2', { slots: 2 });
		expect(theirs.map((t) => t.id).sort()).toEqual(mine.map((t) => t.id).sort());
		expect(await completeAs(db, mine[0], 'v1')).toEqual({ stored: false, reason: 'stale_lease' });
		expect(await completeAs(db, theirs[0], 'v2')).toMatchObject({ stored: true });
		const [row] = await db.select().from(tasks).where(eq(tasks.id, mine[1].id));
		expect(row.failures).toBe(0);
	});

	it('gives back a single lease and renews only the current one', async () => {
		await makeJob(db, 2);
		const [t] = await claimFor(db, 'v1', { leaseMs: 1_000 });
		const renewed = await renewLease(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'v1', done: 1 }, 120_000);
		expect(renewed!.getTime()).toBeGreaterThan(t.leaseExpiresAt.getTime() + 100_000);
		expect(await renewLease(db, { taskId: t.id, leaseToken: crypto.randomUUID(), volunteerId: 'v1', done: 2 }, 120_000)).toBeNull();
		expect(await releaseLease(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'v1' })).toBe(true);
		expect(await releaseLease(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'v1' })).toBe(false);
		expect(await claimFor(db, 'v2')).toHaveLength(1);
	});

	it('sweeps expired leases back to the queue, counting a failure', async () => {
		await makeJob(db, 2);
		const [t] = await claimFor(db, 'v1');
		expect(await releaseExpiredLeases(db, policy)).toEqual({ taskIds: [], jobIds: [], uncounted: [] });
		await expireLeases(db);
		expect(await releaseExpiredLeases(db, policy)).toEqual({ taskIds: [t.id], jobIds: [t.jobId], uncounted: [] });
		const [row] = await db.select().from(tasks).where(eq(tasks.id, t.id));
		expect(row).toMatchObject({ state: 'queued', failures: 1, leaseToken: null });
		expect(await completeAs(db, t, 'v1')).toEqual({ stored: false, reason: 'stale_lease' });
		expect(await releaseExpiredLeases(db, policy)).toEqual({ taskIds: [], jobIds: [], uncounted: [] });
	});

	it('does not count the expiry of a lease whose hub process went quiet, nor delete its session before the lease ends', async () => {
		await makeJob(db, 6);
		// Three holders: on a hub that stopped touching its sessions (died, or lost its database), on a live
		// hub, and a REST node that went silent itself.
		const session = async (id: string, volunteerId: string, hubId: string, stale: boolean) =>
			db.insert(volunteerSessions).values({
				id,
				volunteerId,
				hubId,
				capabilities: nodeCapabilities(),
				mode: 'always',
				readiness: { score: 90, ready: true },
				readyForAi: true,
				lastSeenAt: new Date(Date.now() - (stale ? 2 * STALE_MS : 0))
			});
		await session('quiet-hub-session', 'v1', 'hub-a', true);
		await session('live-hub-session', 'v2', 'hub-b', false);
		await session('rest-session', 'v3', REST_HUB, true);
		const [quiet] = await claimFor(db, 'v1', { sessionId: 'quiet-hub-session' });
		const [live] = await claimFor(db, 'v2', { sessionId: 'live-hub-session' });
		const [rest] = await claimFor(db, 'v3', { sessionId: 'rest-session' });
		// The stale sessions still hold live leases: they stay, so the sweep can tell whose silence it was.
		expect(await deleteStaleSessions(db, STALE_MS)).toBe(0);
		await expireLeases(db);
		const swept = await releaseExpiredLeases(db, policy, undefined, STALE_MS);
		expect(new Set(swept.taskIds)).toEqual(new Set([quiet.id, live.id, rest.id]));
		expect(swept.uncounted).toEqual([quiet.id]);
		const failures = async (id: number) => (await db.select({ f: tasks.failures }).from(tasks).where(eq(tasks.id, id)))[0].f;
		expect([await failures(quiet.id), await failures(live.id), await failures(rest.id)]).toEqual([0, 1, 1]);
		// Their leases over, the stale sessions go.
		expect(await deleteStaleSessions(db, STALE_MS)).toBe(2);
	});

	it('does not count the expiry of a lease granted before the hub could renew it and not renewed since, however late the sweep', async () => {
		await makeJob(db, 6);
		const [crashed] = await claimFor(db, 'v1');
		const [renewed] = await claimFor(db, 'v2');
		const [later] = await claimFor(db, 'v3');
		// This process could write renewals from `since` (it started, or its database came back), ten lease lengths
		// ago: the sweep that sees the leases run out comes long after (a busy machine, a slow start).
		const leaseMs = 1_000;
		const since = Date.now() - 10 * leaseMs;
		const at = (id: number, leasedAt: number, expiresAt: number) =>
			db
				.update(tasks)
				.set({ leasedAt: new Date(leasedAt), leaseExpiresAt: new Date(expiresAt) })
				.where(eq(tasks.id, id));
		// Granted before, never renewed after: the crash's. Renewed after `since`, then let go: its holder's.
		// Granted after: its holder's.
		await at(crashed.id, since - 500, since + leaseMs - 100);
		await at(renewed.id, since - 500, since + 2 * leaseMs);
		await at(later.id, since + 100, since + leaseMs - 100);
		const swept = await releaseExpiredLeases(db, policy, { since, leaseMs });
		expect(new Set(swept.taskIds)).toEqual(new Set([crashed.id, renewed.id, later.id]));
		expect(swept.uncounted).toEqual([crashed.id]);
		const failures = async (id: number) => (await db.select({ f: tasks.failures }).from(tasks).where(eq(tasks.id, id)))[0].f;
		expect([await failures(crashed.id), await failures(renewed.id), await failures(later.id)]).toEqual([0, 1, 1]);

		// While the database is lost (since: Infinity), no expiry is anyone's fault.
		const [lost] = await claimFor(db, 'v1');
		await expireLeases(db);
		expect(await releaseExpiredLeases(db, policy, { since: Infinity, leaseMs })).toMatchObject({
			taskIds: [lost.id],
			uncounted: [lost.id]
		});
		expect(await failures(lost.id)).toBe(0);
	});

	it('kills a task after max failures from distinct volunteers and fails its job, keeping the other results', async () => {
		const { id: jobId } = await makeJob(db, 4);
		const [good] = await claimFor(db, 'v1');
		expect(await completeAs(db, good, 'v1')).toMatchObject({ stored: true });
		for (let i = 0; i < 3; i++) {
			const volunteerId = `v${i + 1}`;
			const [t] = await claimFor(db, volunteerId);
			expect(await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId, error: `boom ${i}` }, policy)).toMatchObject({
				state: i < 2 ? 'queued' : 'dead'
			});
		}
		expect(await claimFor(db, 'v1')).toHaveLength(0);
		expect(await finishJobIfDone(db, jobId)).toBe('failed');
		const status = await getJobStatus(db, jobId);
		expect(status).toMatchObject({ status: 'failed', tasks: { dead: 1, done: 1 }, result: [vec(0), vec(1), null, null] });
		const [dead] = await db.select().from(tasks).where(eq(tasks.state, 'dead'));
		expect(dead.lastError).toBe('boom 2');
	});

	it('waits out the back-off before re-leasing a failed task', async () => {
		await makeJob(db, 2);
		const [t] = await claimFor(db, 'v1');
		await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'v1', error: 'x' }, { ...policy, backoffMs: 60_000 });
		expect(await claimFor(db, 'v1')).toHaveLength(0);
	});

	it('rejects outputs of the wrong shape as a failed attempt', async () => {
		await makeJob(db, 2);
		const [t] = await claimFor(db, 'v1');
		const bad = await completeTask(
			db,
			{
				taskId: t.id,
				leaseToken: t.leaseToken,
				volunteerId: 'v1',
				outputs: [vec(0), [1, 2]],
				backend: 'wasm',
				resultClass: 'wasm/fp32',
				durationMs: 1
			},
			policy
		);
		expect(bad).toMatchObject({ stored: false, reason: 'rejected_output', error: expect.stringContaining('3') });
		// A rejected output bars its sender from the task like a reported failure: another volunteer gets it.
		expect(await claimFor(db, 'v1')).toHaveLength(0);
		const wrongCount = await claimFor(db, 'v2').then(([again]) =>
			completeTask(
				db,
				{
					taskId: again.id,
					leaseToken: again.leaseToken,
					volunteerId: 'v2',
					outputs: [vec(0)],
					backend: 'wasm',
					resultClass: 'wasm/fp32',
					durationMs: 1
				},
				policy
			)
		);
		expect(wrongCount).toMatchObject({ stored: false, reason: 'rejected_output' });
		expect(await db.select().from(results)).toHaveLength(0);
		const [row] = await db.select().from(tasks).where(eq(tasks.id, t.id));
		expect(row.failures).toBe(2);
	});

	it('leases higher priority first and only task types the volunteer runs', async () => {
		await makeJob(db, 2, { priority: 'low' });
		const { id: urgent } = await makeJob(db, 2, { priority: 'high' });
		expect(await claimFor(db, 'v1', { taskTypes: ['text_generation'] })).toHaveLength(0);
		const [first] = await claimFor(db, 'v1');
		expect(first.jobId).toBe(urgent);
		expect((await getJobStatus(db, urgent))?.status).toBe('running');
	});

	it('cancels a job: late results are refused and nothing is leased', async () => {
		const { id: jobId } = await makeJob(db, 4);
		const [t] = await claimFor(db, 'v1');
		expect(await cancelJob(db, jobId)).toEqual({ leasedTaskIds: [t.id] });
		expect(await cancelJob(db, jobId)).toBeNull();
		expect(await completeAs(db, t, 'v1')).toEqual({ stored: false, reason: 'stale_lease' });
		expect(await claimFor(db, 'v1')).toHaveLength(0);
		expect((await getJobStatus(db, jobId))?.status).toBe('cancelled');
	});
});
