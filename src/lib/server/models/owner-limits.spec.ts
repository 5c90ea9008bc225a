/**
 * An owner's model limits, sent with each task request (the volunteer page's controls), applied by the
 * hub's claim on a real database: the models it serves, the largest download it accepts, what it has
 * cached; and the tail duplicate honours them as the queued claim does (networks not separated: every
 * socket here comes from 127.0.0.1).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB_KINDS } from '../db/testing';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from '../realtime/testing';
import { nodeCapabilities } from '../../headless/headless-volunteer';
import type { ModelLimits } from '../../protocol/events';
import { downloadBytes } from '../../protocol/model-downloads';
import type { VolunteerSocket } from '../../volunteer/volunteer-socket';

describe.each(TEST_DB_KINDS)('owner model limits on %s', (kind) => {
	let testHub: TestHub;

	beforeAll(async () => {
		testHub = await startTestHub({ kind, env: { EXOSTACK_TAIL_SECONDS: '1', EXOSTACK_DISTINCT_NETWORKS: 'off' } });
	});
	afterEach(async () => {
		await testHub.cancelOpenJobs();
	});
	afterAll(() => testHub?.stop());

	async function volunteer() {
		const s = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
		});
		await welcomed(s);
		return s;
	}
	const request = async (s: VolunteerSocket, models?: ModelLimits) =>
		granted(await replyTo(s, 'task:request', { slots: 4, ...(models ? { models } : {}) })).tasks;
	const modelsOf = (tasks: { model: { id: string } }[]) => [...new Set(tasks.map((t) => t.model.id))].sort();
	const embedding = async () => (await testHub.hub.models.get(['demo-embedding'])).get('demo-embedding')!;

	it('leases only the models the owner serves', async () => {
		await testHub.submit(['a', 'b'], { chunk_size: 1 });
		await testHub.submit(['Hi'], { chunk_size: 1, task_type: 'text_generation', model: 'demo-text-generation', params: { max_tokens: 2 } });
		const s = await volunteer();
		expect(await request(s, { only: ['nothing-here'] })).toEqual([]);
		expect(modelsOf(await request(s, { only: ['demo-text-generation'] }))).toEqual(['demo-text-generation']);
		expect(modelsOf(await request(s))).toEqual(['demo-embedding']);
		s.disconnect();
	});

	it('leases no model whose download is over the limit, unless its files are cached', async () => {
		await testHub.submit(['a'], { chunk_size: 1 });
		const model = await embedding();
		const { files } = model;
		const size = downloadBytes(model, new Set());
		expect(size).toBeGreaterThan(0);
		const s = await volunteer();
		// Downloads paused (a metered connection): nothing not cached; one file missing is still a download.
		expect(await request(s, { maxDownloadBytes: 0 })).toEqual([]);
		expect(
			await request(s, { maxDownloadBytes: 0, cached: files.filter((f) => f.path !== 'onnx/model.onnx').map((f) => f.sha256) })
		).toEqual([]);
		expect(await request(s, { maxDownloadBytes: size - 1 })).toEqual([]);
		expect(modelsOf(await request(s, { maxDownloadBytes: 0, cached: files.map((f) => f.sha256) }))).toEqual(['demo-embedding']);
		s.disconnect();
		const t = await volunteer();
		expect(modelsOf(await request(t, { maxDownloadBytes: size }))).toEqual(['demo-embedding']);
		t.disconnect();
	});

	it('gives a slow task’s tail duplicate only to a volunteer whose owner serves its model', async () => {
		await testHub.submit(['slow'], { chunk_size: 1 });
		const first = await volunteer();
		expect(await request(first)).toHaveLength(1);
		await new Promise((r) => setTimeout(r, 1500));
		const refusing = await volunteer();
		expect(await request(refusing, { only: ['demo-text-generation'] })).toEqual([]);
		const serving = await volunteer();
		expect(modelsOf(await request(serving, { only: ['demo-embedding'] }))).toEqual(['demo-embedding']);
		for (const s of [first, refusing, serving]) s.disconnect();
	});
});
