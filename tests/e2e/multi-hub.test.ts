/**
 * Two hub processes on one PostgreSQL database, as behind a load balancer: either can take a job,
 * lease it to a volunteer connected to the other, and accept its results; broadcasts (new work, job
 * progress) cross between them through the Socket.IO Postgres adapter.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startHeadlessVolunteer } from '../../src/lib/headless/headless-volunteer';
import type { JobUpdate } from '../../src/lib/protocol/jobs';

const database = await freshDatabase();

describe.skipIf(!database)('two hub processes on one PostgreSQL', () => {
	let a: HubProcess;
	let b: HubProcess;
	const sockets: Socket[] = [];

	beforeAll(async () => {
		// Started together: the migration advisory lock lets only one apply migrations.
		[a, b] = await Promise.all([
			startHubProcess({ databaseUrl: database!.url, dataDir: tempDir() }),
			startHubProcess({ databaseUrl: database!.url, dataDir: tempDir() })
		]);
	});
	afterAll(async () => {
		for (const s of sockets) s.close();
		await Promise.all([a?.stop(), b?.stop()]);
		await database?.drop();
	});

	it('leases a job submitted on one hub to a volunteer on the other, and streams its progress across', async () => {
		// The volunteer polls only once a minute, so finishing within seconds proves the cross-process nudge.
		const volunteer = startHeadlessVolunteer({ hubUrl: a.url, threads: 1, loop: { pollMs: 60_000 } });
		await expect.poll(async () => (await (await api(b, '/nodes/ai-readiness')).json()).length, { timeout: 20_000 }).toBe(1);
		await new Promise((r) => setTimeout(r, 500)); // past the volunteer's first (empty) poll

		const dashboard = io(`${b.url}/dashboard`, { transports: ['websocket'] });
		sockets.push(dashboard);
		const updates: JobUpdate[] = [];
		dashboard.on('job:update', (u: JobUpdate) => updates.push(u));

		const started = Date.now();
		const inputs = Array.from({ length: 40 }, (_, i) => `cross hub sentence ${i}`);
		const { task_id } = await (
			await api(b, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'demo-embedding', input: inputs } })
		).json();
		await dashboard.timeout(5000).emitWithAck('job:watch', { jobId: task_id });
		try {
			await expect.poll(() => updates.at(-1)?.status, { timeout: 30_000, interval: 100 }).toBe('completed');
		} finally {
			await volunteer.stop();
		}
		expect(Date.now() - started).toBeLessThan(20_000);
		expect(updates.at(-1)?.progress).toEqual({ done: 40, total: 40 });
		const [fromA, fromB] = await Promise.all([a, b].map(async (h) => (await api(h, `/api/jobs/${task_id}`)).json()));
		expect(fromA.result).toEqual(fromB.result);
		expect(fromA.result).toHaveLength(40);
	});
});
