import { describe, expect, it } from 'vitest';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { claimFor, completeAs, makeJob, policy, seedModel, seedVolunteers, seededDatabase } from '../scheduler/testing';
import { failTask } from '../scheduler/fail-task';
import { cancelJob } from '../scheduler/cancel-job';
import { jobSummaries } from './job-summaries';
import { clusterThroughput, THROUGHPUT_BUCKET_MS } from './cluster-throughput';

describe.each(TEST_DB_KINDS)('dashboard job summaries and throughput on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['a', 'b', 'c']);
		},
		(opened) => (db = opened)
	);

	it('counts accepted inputs, completed chunks and dead chunks, but not cancelled ones as failed', async () => {
		const { id: jobId } = await makeJob(db, 6, { chunkSize: 2 });
		const [done] = await claimFor(db, 'a');
		await completeAs(db, done, 'a');
		// The next chunk fails until it is given up on: failures count once per volunteer.
		for (const volunteerId of ['a', 'b', 'c'].slice(0, policy.maxFailures)) {
			const [t] = await claimFor(db, volunteerId);
			await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId, error: `boom by ${volunteerId}` }, policy);
		}
		const [running] = await jobSummaries(db);
		expect(running).toMatchObject({ id: jobId, status: 'running', done: 2, total: 6, tasksDone: 1, tasksDead: 1, tasksTotal: 3 });
		expect(running.etaSeconds).toEqual(expect.any(Number));

		const { id: other } = await makeJob(db, 4, { chunkSize: 2 });
		await cancelJob(db, other);
		const cancelled = (await jobSummaries(db)).find((j) => j.id === other);
		expect(cancelled).toMatchObject({ status: 'cancelled', tasksDone: 0, tasksDead: 0, etaSeconds: null });
	});

	it('charts the inputs computed per second in 10 s buckets', async () => {
		await makeJob(db, 4, { chunkSize: 4 });
		const [t] = await claimFor(db, 'a');
		await completeAs(db, t, 'a');
		const series = await clusterThroughput(db);
		expect(series).toHaveLength(60);
		expect(series[1][0] - series[0][0]).toBe(THROUGHPUT_BUCKET_MS);
		expect(series.reduce((n, [, v]) => n + v, 0) * (THROUGHPUT_BUCKET_MS / 1000)).toBe(4);
	});
});
