/**
 * What goes wrong with a job, as the hub's log and metrics tell it: a real hub in this process (PGlite,
 * Socket.IO, a socket.io-client volunteer), its observer writing to a captured log.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCapabilities } from '../../headless/headless-volunteer';
import { createLogger } from '../log';
import { metrics } from '../metrics/registry';
import { expireLeases } from '../scheduler/testing';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from '../realtime/testing';
import { createObserver } from './observer';

const counted = async (counter: { get(): Promise<{ values: { value: number; labels: object }[] }> }, labels: object = {}) =>
	(await counter.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;

describe('the observer of a hub', () => {
	let testHub: TestHub;
	const lines: Record<string, unknown>[] = [];
	beforeAll(async () => {
		// One failure kills a task, so the job fails within the test.
		testHub = await startTestHub({ env: { EXOSTACK_MAX_FAILURES: '1', EXOSTACK_RETRY_BACKOFF_MS: '0' } });
		const sink = new Writable({
			write(chunk, _encoding, done) {
				for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
				done();
			}
		});
		testHub.hub.observe = createObserver(createLogger('debug', sink).child({ hub_id: testHub.hub.id }), null);
	});
	afterAll(() => testHub?.stop());

	it('logs and counts a rejected result, an expired lease and the failed job, with their ids', async () => {
		const { hub } = testHub;
		const expiries = await counted(metrics.leaseExpiries);
		const failedJobs = await counted(metrics.jobsFinished, { status: 'failed' });
		const s = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
		});
		const { volunteerId } = await welcomed(s);
		const jobId = await testHub.submit(['wrong', 'silent'], { chunk_size: 1 });
		const [wrong, silent] = granted(await replyTo(s, 'task:request', { slots: 2 })).tasks;
		expect(
			await replyTo(s, 'task:result', {
				taskId: wrong.taskId,
				leaseToken: wrong.leaseToken,
				backend: 'native',
				variant: 'fp32',
				durationMs: 1,
				outputs: [[1]]
			})
		).toMatchObject({ ok: false, code: 'rejected_output' });
		// The other holder goes silent: its lease runs out and the sweep takes it back.
		await expireLeases(hub.db);
		await hub.sweep();

		const ofJob = lines.filter((l) => l.job_id === jobId || (l.job_ids as string[] | undefined)?.includes(jobId));
		expect(ofJob.map((l) => l.msg)).toEqual([
			'job submitted',
			'task leased',
			'task leased',
			'result rejected',
			'leases expired: their volunteers went silent',
			'job failed'
		]);
		expect(ofJob.every((l) => l.hub_id === hub.id)).toBe(true);
		expect(ofJob[1]).toMatchObject({ level: 'debug', task_id: wrong.taskId, volunteer_id: volunteerId });
		expect(ofJob[3]).toMatchObject({
			level: 'warn',
			task_id: wrong.taskId,
			volunteer_id: volunteerId,
			error: expect.stringMatching(/dimensions/)
		});
		expect(ofJob[4]).toMatchObject({ level: 'info', task_ids: [silent.taskId], job_ids: [jobId] });
		expect(ofJob[5]).toMatchObject({ level: 'warn', status: 'failed' });
		expect(await counted(metrics.leaseExpiries)).toBe(expiries + 1);
		expect(await counted(metrics.jobsFinished, { status: 'failed' })).toBe(failedJobs + 1);
		// No lease token reaches the log, though the observer is handed them.
		expect(JSON.stringify(lines)).not.toContain(wrong.leaseToken);
		s.disconnect();
	});
});
