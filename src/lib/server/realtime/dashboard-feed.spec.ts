/**
 * The dashboard feed in-process: a real hub (PGlite and PostgreSQL) with Socket.IO, dashboard pages as
 * socket.io-client connections, volunteers as real /volunteer sockets and a headless volunteer
 * computing with onnxruntime-node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../config';
import { startHub, type Hub } from '../hub';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import { attachRealtime } from './attach';
import { submitJob } from '../scheduler/submit-job';
import { startHeadlessVolunteer, nodeCapabilities } from '../../headless/headless-volunteer';
import type { ClusterSummary, Leaderboard, NodeRow, NodesDelta } from '../../protocol/dashboard';
import { setProfile } from '../volunteers/profile';
import { readFile } from 'node:fs/promises';
import type { ModelFile } from '../../protocol/models';

describe.each(TEST_DB_KINDS)('dashboard feed on %s', (kind) => {
	let hub: Hub;
	let http: HttpServer;
	let url: string;
	const sockets: Socket[] = [];

	beforeAll(async () => {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'exostack-feed-'));
		hub = await startHub(loadConfig({ EXOSTACK_DATA_DIR: dataDir }), { database: await openTestDatabase(kind) });
		http = createServer();
		attachRealtime(hub, http);
		await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
		url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
	});
	afterAll(async () => {
		for (const s of sockets) s.close();
		http.closeAllConnections();
		await new Promise((r) => http.close(r));
		await hub.stop();
	});

	const socket = (ns: string) => {
		const s = connect(`${url}${ns}`, { transports: ['websocket'], forceNew: true });
		sockets.push(s);
		return s;
	};

	/** A dashboard page's view: nodes by id from the deltas, and the latest summary. */
	function watchOverview() {
		const page = socket('/dashboard');
		const nodes = new Map<string, NodeRow>();
		const view = { nodes, summary: null as ClusterSummary | null, deltas: 0 };
		page.on('nodes:delta', (d: NodesDelta) => {
			view.deltas++;
			if (d.reset) nodes.clear();
			for (const n of d.upsert) nodes.set(n.id, n);
			for (const id of d.remove) nodes.delete(id);
		});
		page.on('cluster:summary', (s: ClusterSummary) => (view.summary = s));
		return { page, view, ready: page.timeout(5000).emitWithAck('overview:watch', {}) };
	}

	it('shows a volunteer that connects within a second, with power and idle unknown, and drops it when it leaves', async () => {
		const { view, ready } = watchOverview();
		expect(await ready).toEqual({ ok: true });
		const v = socket('/volunteer');
		const t0 = performance.now();
		const reply = await v
			.timeout(5000)
			.emitWithAck('hello', { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 65, ready: true } });
		await expect.poll(() => view.nodes.get(reply.volunteerId), { timeout: 1000, interval: 20 }).toBeDefined();
		expect(performance.now() - t0).toBeLessThan(1000);
		expect(view.nodes.get(reply.volunteerId)).toMatchObject({
			score: 65,
			band: 'moderate',
			backend: 'native',
			power: null,
			idle: null,
			tasks: 0
		});
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
		expect(await page.timeout(5000).emitWithAck('leaderboard:watch', { window: '1y' })).toMatchObject({ ok: false, code: 'invalid' });
	});

	it('moves the leaderboard and the job list as a volunteer earns credit', async () => {
		const page = socket('/dashboard');
		const boards: Leaderboard[] = [];
		page.on('leaderboard:update', (b: Leaderboard) => boards.push(b));
		expect(await page.timeout(5000).emitWithAck('leaderboard:watch', { window: '24h' })).toEqual({ ok: true });
		await expect.poll(() => boards.length).toBe(1);
		const overview = watchOverview();
		await overview.ready;

		let volunteerId = '';
		const volunteer = startHeadlessVolunteer({
			hubUrl: url,
			threads: 1,
			onIdentity: (_, id) => (volunteerId = id),
			// No SvelteKit routes here: the volunteer reads model files from the blob store.
			files: { read: async (file: ModelFile) => new Uint8Array(await readFile(hub.blobs.path(file.sha256)!)) }
		});
		try {
			const outcome = await submitJob(
				hub.db,
				{
					task_type: 'embedding',
					model: 'demo-embedding',
					input: ['a b c', 'd e f', 'g h i', 'j k l'],
					priority: 'normal',
					replication: 1,
					params: {},
					chunk_size: 2
				},
				8
			);
			if (!outcome.ok) throw new Error(outcome.error);
			hub.notify.workAvailable();
			await expect
				.poll(() => boards.at(-1)?.volunteers.find((v) => v.id === volunteerId)?.results, { timeout: 20_000, interval: 50 })
				.toBe(2);
			expect(boards.at(-1)!.window).toBe('24h');
			await expect
				.poll(() => overview.view.summary?.jobs.find((j) => j.id === outcome.id), { timeout: 5000, interval: 50 })
				.toMatchObject({ status: 'completed', done: 4, total: 4, tasksDone: 2, tasksDead: 0, tasksTotal: 2 });
			expect(overview.view.summary!.throughput.some(([, v]) => v > 0)).toBe(true);
		} finally {
			await volunteer.stop();
		}
	});
});
