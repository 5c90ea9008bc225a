/**
 * The built hub starts from any working directory: it finds its migrations and its precompressed assets
 * beside its own code (build/drizzle, build/client), not in the folder it was started from.
 */
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';

describe('a hub started from another folder', () => {
	const elsewhere = tempDir('exostack-cwd-');
	let hub: HubProcess;

	beforeAll(async () => {
		hub = await startHubProcess({ cwd: elsewhere, entry: path.resolve('server.js'), env: { EXOSTACK_DEMO_MODELS: 'off' } });
	});

	afterAll(async () => {
		await hub?.stop();
		await rm(elsewhere, { recursive: true, force: true });
		await rm(hub?.dataDir ?? '', { recursive: true, force: true });
	});

	it('applies its migrations and serves the API', async () => {
		const health = await fetch(`${hub.url}/api/health`);
		expect(await health.json()).toMatchObject({ ok: true, database: 'pglite' });
		// A query on a migrated table: the job list is empty, not an error.
		const jobs = await api(hub, '/api/jobs');
		expect(jobs.status).toBe(200);
		expect(await jobs.json()).toEqual([]);
	});

	it('serves the precompressed client assets', async () => {
		const immutable = path.resolve('build/client/_app/immutable');
		const file = readdirSync(immutable, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.js.br'))!;
		const url = `${hub.url}/_app/immutable/${file.slice(0, -'.br'.length).split(path.sep).join('/')}`;
		const res = await fetch(url, { headers: { 'accept-encoding': 'br' } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-encoding')).toBe('br');
	});
});
