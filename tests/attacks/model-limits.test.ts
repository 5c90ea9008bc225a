/**
 * The owner's model limits ride on every task request (ModelLimits): outside input from the volunteer.
 * Oversized or malformed limits are refused with a clear error and lease nothing; and limits can only
 * narrow what a volunteer is leased, never widen it: claiming every file is cached does not get a
 * volunteer past the hub's own gates (here the readiness band's task weight).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { models, tasks } from '../../src/lib/server/db/schema';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from '../../src/lib/server/realtime/testing';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import { awayReport } from '../../src/lib/readiness/testing';

describe('model limits on a task request', () => {
	let testHub: TestHub;

	beforeAll(async () => {
		testHub = await startTestHub();
	});
	afterEach(async () => {
		await testHub.cancelOpenJobs();
	});
	afterAll(() => testHub?.stop());

	const volunteer = async (options?: Parameters<TestHub['volunteer']>[0]) => {
		const s = testHub.volunteer(
			options ?? { auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } } }
		);
		await welcomed(s);
		return s;
	};

	it('refuses malformed or oversized limits, leasing nothing', async () => {
		const id = await testHub.submit(['a', 'b'], { chunk_size: 1 });
		const s = await volunteer();
		const bad: unknown[] = [
			{ only: Array.from({ length: 101 }, (_, i) => `m${i}`) },
			{ only: ['x'.repeat(201)] },
			{ only: [''] },
			{ cached: Array.from({ length: 513 }, () => 'a'.repeat(64)) },
			{ cached: ['not-a-digest'] },
			{ maxDownloadBytes: -1 },
			{ maxDownloadBytes: 1.5 },
			{ maxDownloadBytes: 1e14 },
			{ only: 'demo-embedding' },
			'everything'
		];
		for (const models of bad)
			expect(await replyTo(s, 'task:request', { slots: 2, models } as never), JSON.stringify(models).slice(0, 80)).toMatchObject({
				ok: false,
				code: 'invalid'
			});
		const held = await testHub.hub.db.select({ state: tasks.state }).from(tasks).where(eq(tasks.jobId, id));
		expect(held.map((t) => t.state)).toEqual(['queued', 'queued']);
		s.disconnect();
	});

	it('only narrows what is leased: cached files claimed do not pass the readiness band’s weight', async () => {
		// demo-embedding made heavy: only the heavy band (a score of 80 or more) may take it.
		await testHub.submit(['a'], { chunk_size: 1 });
		// Owner away, on battery at 60 %, serious pressure: 40 + 15 + 10 = 65, the moderate band (models under 500).
		const report = awayReport({ power: { charging: false, level: 0.6 }, pressure: 'serious' });
		const s = await volunteer({ auth: { identity: null, capabilities: nodeCapabilities(), mode: 'auto', readiness: report } });
		const files = (await testHub.hub.models.get(['demo-embedding'])).get('demo-embedding')!.files;
		const limits = { only: ['demo-embedding'], maxDownloadBytes: 1e12, cached: files.map((f) => f.sha256) };
		const cost = async (c: number) => testHub.hub.db.update(models).set({ cost: c }).where(eq(models.id, 'demo-embedding'));
		const [{ cost: before }] = await testHub.hub.db.select({ cost: models.cost }).from(models).where(eq(models.id, 'demo-embedding'));
		// demo-embedding made heavy: only the heavy band may take it, whatever the limits say.
		await cost(1000);
		try {
			expect(granted(await replyTo(s, 'task:request', { slots: 1, models: limits })).tasks).toEqual([]);
		} finally {
			await cost(before);
		}
		expect(granted(await replyTo(s, 'task:request', { slots: 1, models: limits })).tasks).toHaveLength(1);
		s.disconnect();
	});
});
