/**
 * A /v1 request's wait for its job (await-job.ts): answered from the outputs this hub process accepted,
 * the moment the last of them is committed, without waiting for the job's finish check or reading the
 * results back; and from the database when the job ended without this process hearing of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB_KINDS } from '../db/testing';
import { startTestHub, type TestHub } from '../realtime/testing';
import { getJobState } from '../scheduler/job-status';
import { cancelJob } from '../scheduler/cancel-job';
import { awaitJob } from './await-job';

describe.each(TEST_DB_KINDS)('awaiting a /v1 job on %s', (kind) => {
	let testHub: TestHub;
	beforeAll(async () => {
		testHub = await startTestHub({ kind });
	});
	afterAll(() => testHub?.stop());

	it('answers from the chunks accepted in this process once every input is in, in input order', async () => {
		const { hub } = testHub;
		const jobId = await testHub.submit(['first', 'second', 'third'], { chunk_size: 2 });
		const waiting = awaitJob(hub, jobId, 3, 5_000);
		await new Promise((r) => setTimeout(r, 50));
		hub.jobEnds.accepted(jobId, { firstInput: 2, outputs: [[3]] });
		hub.jobEnds.accepted(jobId, { firstInput: 0, outputs: [[1], [2]] });
		const t = performance.now();
		const outcome = await waiting;
		// Woken by the last chunk, not by a poll: well within the 40 ms poll that would follow.
		expect(performance.now() - t).toBeLessThan(40);
		expect(outcome).toEqual({ done: { job_id: jobId, status: 'completed', result: [[1], [2], [3]], error: null, errors: [] } });
		// Nothing was read back or written: the job's own row is the finish check's to change.
		expect(await getJobState(hub.db, jobId)).toBe('queued');
	});

	it('reads a job that ended without word in this process from the database', async () => {
		const { hub } = testHub;
		const jobId = await testHub.submit(['only'], {});
		const waiting = awaitJob(hub, jobId, 1, 5_000);
		// Cancelled as another hub process would: nothing told this one's watchers.
		await cancelJob(hub.db, jobId);
		const outcome = await waiting;
		expect(outcome).toMatchObject({ done: { job_id: jobId, status: 'cancelled' } });
	});

	it('gives up at its deadline and cancels the job when part of it is still missing', async () => {
		const { hub } = testHub;
		const jobId = await testHub.submit(['a', 'b'], { chunk_size: 1 });
		const waiting = awaitJob(hub, jobId, 2, 300);
		hub.jobEnds.accepted(jobId, { firstInput: 0, outputs: [[1]] });
		expect(await waiting).toEqual({ gaveUp: 'timeout' });
		expect(await getJobState(hub.db, jobId)).toBe('cancelled');
	});
});
