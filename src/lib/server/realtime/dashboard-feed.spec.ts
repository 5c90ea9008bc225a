/**
 * The dashboard feed in-process: a real hub (PGlite and PostgreSQL) with Socket.IO, dashboard pages as
 * socket.io-client connections, volunteers as real /volunteer sockets and a headless volunteer
 * computing with onnxruntime-node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../hub';
import { TEST_DB_KINDS } from '../db/testing';
import { replyTo, startTestHub, untyped, welcomed, type TestHub } from './testing';
import { startHeadlessVolunteer, nodeCapabilities } from '../../headless/headless-volunteer';
import type { ClusterSummary, Leaderboard, NodeRow } from '../../protocol/dashboard';
import { setProfile } from '../volunteers/profile';

describe.each(TEST_DB_KINDS)('dashboard feed on %s', (kind) => {
	let testHub: TestHub;
	let hub: Hub;

	beforeAll(async () => {
		testHub = await startTestHub({ kind });
		hub = testHub.hub;
	});
	afterAll(() => testHub?.stop());

	/** A dashboard page's view: nodes by id from the deltas, and the latest summary. */
	function watchOverview() {
		const page = testHub.dashboard();
		const nodes = new Map<string, NodeRow>();
		const view = { nodes, summary: null as ClusterSummary | null, deltas: 0 };
		page.on('nodes:delta', (d) => {
			view.deltas++;
			if (d.reset) nodes.clear();
			for (const n of d.upsert) nodes.set(n.id, n);
			for (const id of d.remove) nodes.delete(id);
		});
		page.on('cluster:summary', (s) => (view.summary = s));
		return { page, view, ready: replyTo(page, 'overview:watch', {}) };
	}

	it('shows a volunteer that connects within a second, without its power or presence, and drops it when it leaves', async () => {
		const { view, ready } = watchOverview();
		expect(await ready).toEqual({ ok: true });
		const t0 = performance.now();
		const v = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 65, ready: true } }
		});
		const reply = await welcomed(v);
		await expect.poll(() => view.nodes.get(reply.volunteerId), { timeout: 1000, interval: 20 }).toBeDefined();
		expect(performance.now() - t0).toBeLessThan(1000);
		expect(view.nodes.get(reply.volunteerId)).toMatchObject({
			score: 65,
			band: 'moderate',
			backend: 'native',
			tasks: 0
		});
		// A public page: never the owner's presence or battery (SECURITY.md, public node views).
		expect(view.nodes.get(reply.volunteerId)).not.toHaveProperty('power');
		expect(view.nodes.get(reply.volunteerId)).not.toHaveProperty('idle');
		// The summary follows within its own (slower) beat.
		await expect.poll(() => view.summary?.readyNodes, { timeout: 1500, interval: 20 }).toBe(view.nodes.size);
		expect(view.summary!.throughput).toHaveLength(60);

		// A name chosen later shows on the next beat; a second page gets everything at once.
		await setProfile(hub.db, reply.volunteerId, { displayName: 'Ada', team: null });
		await expect.poll(() => view.nodes.get(reply.volunteerId)?.name, { timeout: 2000, interval: 20 }).toBe('Ada');
		const late = watchOverview();
		await late.ready;
		expect(late.view.nodes.get(reply.volunteerId)?.name).toBe('Ada');

		v.disconnect();
		await expect.poll(() => view.nodes.has(reply.volunteerId), { timeout: 2000, interval: 20 }).toBe(false);
	});

	it('sends nothing while nothing changes, and refuses a bad window', async () => {
		const { page, view, ready } = watchOverview();
		await ready;
		await new Promise((r) => setTimeout(r, 1000));
		const before = view.deltas;
		await new Promise((r) => setTimeout(r, 1500));
		expect(view.deltas).toBe(before);
		expect(await untyped(page).timeout(5000).emitWithAck('leaderboard:watch', { window: '1y' })).toMatchObject({
			ok: false,
			code: 'invalid'
		});
	});

	it('moves the leaderboard and the job list as a volunteer earns credit', async () => {
		const page = testHub.dashboard();
		const boards: Leaderboard[] = [];
		page.on('leaderboard:update', (b) => boards.push(b));
		expect(await replyTo(page, 'leaderboard:watch', { window: '24h' })).toEqual({ ok: true });
		// The ranking comes at once (the feed's beat may send its own first reading beside it, if it lands while the watch reads).
		await expect.poll(() => boards.length).toBeGreaterThanOrEqual(1);
		const overview = watchOverview();
		await overview.ready;

		let volunteerId = '';
		const volunteer = startHeadlessVolunteer({
			hubUrl: testHub.url,
			threads: 1,
			onIdentity: (_, id) => (volunteerId = id),
			files: testHub.files
		});
		try {
			const jobId = await testHub.submit(['a b c', 'd e f', 'g h i', 'j k l'], { chunk_size: 2 });
			await expect
				.poll(() => boards.at(-1)?.volunteers.find((v) => v.id === volunteerId)?.results, { timeout: 20_000, interval: 50 })
				.toBe(2);
			expect(boards.at(-1)!.window).toBe('24h');
			await expect
				.poll(() => overview.view.summary?.jobs.find((j) => j.id === jobId), { timeout: 5000, interval: 50 })
				.toMatchObject({ status: 'completed', done: 4, total: 4, tasksDone: 2, tasksDead: 0, tasksTotal: 2 });
			expect(overview.view.summary!.throughput.some(([, v]) => v > 0)).toBe(true);
		} finally {
			await volunteer.stop();
		}
	});
});
