/**
 * Two hubs on one PostgreSQL database, as two hub processes behind a load balancer: either can take a
 * job, lease it to a volunteer connected to the other, and accept its results; broadcasts (new work, job
 * progress) cross between them through the Socket.IO Postgres adapter. Each hub has its own HTTP server,
 * Socket.IO server, database pool and adapter connection, so only PostgreSQL joins them. (The dashboard
 * end-to-end test runs two real `node server.js` processes this way.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPostgresDatabase } from '../db/testing';
import { getJobStatus } from '../scheduler/job-status';
import { submitJob } from '../scheduler/submit-job';
import { startHeadlessVolunteer } from '../../headless/headless-volunteer';
import type { JobUpdate } from '../../protocol/jobs';
import { granted, replyTo, startTestHub, type TestHub } from './testing';

const database = await emptyPostgresDatabase();
/** The volunteer asks for work this rarely by itself: a job it finishes sooner was brought to it by a nudge. */
const POLL_MS = 60_000;

describe.skipIf(!database)('two hubs on one PostgreSQL', () => {
	let a: TestHub;
	let b: TestHub;

	beforeAll(async () => {
		// Started together on an empty database: the migration advisory lock lets only one apply migrations.
		[a, b] = await Promise.all([startTestHub({ databaseUrl: database!.url }), startTestHub({ databaseUrl: database!.url })]);
	});
	afterAll(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await database?.drop();
	});

	it('leases a job submitted on one hub to a volunteer on the other, and streams its progress across', async () => {
		let asked!: () => void;
		const firstAnswer = new Promise<void>((r) => (asked = r));
		const volunteer = startHeadlessVolunteer({
			hubUrl: a.url,
			threads: 1,
			files: a.files,
			loop: { pollMs: POLL_MS },
			listener: { leaseAnswered: () => asked() }
		});
		try {
			// Its first request (to hub A) found the queue empty: from here only a nudge brings it back within a minute.
			await firstAnswer;
			const nudged = new Promise<void>((r) => volunteer.socket.once('work:available', () => r()));

			const dashboard = b.dashboard();
			const updates: JobUpdate[] = [];
			dashboard.on('job:update', (u) => updates.push(u));

			// What POST /api/jobs on hub B does, with the page watching before volunteers are told.
			const started = Date.now();
			const inputs = Array.from({ length: 40 }, (_, i) => `cross hub sentence ${i}`);
			const submitted = await submitJob(
				b.hub.db,
				{ task_type: 'embedding', model: 'demo-embedding', input: inputs, priority: 'normal', replication: 1, params: {} },
				b.hub.config
			);
			if (!submitted.ok) throw new Error(submitted.error);
			granted(await replyTo(dashboard, 'job:watch', { jobId: submitted.id }));
			// A job's progress is read only for its watchers (job-watchers.ts): hub A hears that B's page watches this one,
			// and a change told to A reaches the page through the adapter.
			const watchedBefore = updates.length;
			await expect
				.poll(
					() => {
						a.hub.notify.jobChanged(submitted.id);
						return updates.length;
					},
					{ timeout: 10_000, interval: 200 }
				)
				.toBeGreaterThan(watchedBefore);
			b.hub.notify.workAvailable();

			await nudged;
			await expect.poll(() => updates.at(-1)?.status, { timeout: 30_000, interval: 100 }).toBe('completed');
			expect(Date.now() - started).toBeLessThan(POLL_MS);
			expect(updates.at(-1)?.progress).toEqual({ done: 40, total: 40 });
			const [fromA, fromB] = await Promise.all([a, b].map((h) => getJobStatus(h.hub.db, submitted.id)));
			expect(fromA?.result).toEqual(fromB?.result);
			expect(fromA?.result).toHaveLength(40);
		} finally {
			await volunteer.stop();
		}
	});
});
