/**
 * `exostack backup` and `restore` as an operator runs them: a backup of a hub on the embedded database
 * taken through the running hub, restored into a fresh folder, and a hub started on that folder serves
 * the same jobs, results, keys and models (the model files byte for byte).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, TEST_TOKEN, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';

/** Runs the real CLI to its end. */
function exostack(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['bin/exostack.js', ...args], {
			env: { ...process.env, ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		let err = '';
		child.stdout!.on('data', (d) => (out += d));
		child.stderr!.on('data', (d) => (err += d));
		child.once('exit', (code) => resolve({ code, out, err }));
	});
}

function startVolunteer(hubUrl: string): ChildProcess {
	return spawn(
		process.execPath,
		['bin/exostack.js', 'volunteer', '--hub', hubUrl, '--identity-file', path.join(tempDir(), 'identity'), '--threads', '1'],
		{
			stdio: 'ignore'
		}
	);
}

const json = async (hub: HubProcess, pathname: string) => (await api(hub, pathname)).json();
const sha256 = (bytes: ArrayBuffer) => createHash('sha256').update(new Uint8Array(bytes)).digest('hex');

const postgres = await freshDatabase();

describe('exostack backup and restore', () => {
	const hubs: HubProcess[] = [];
	let volunteer: ChildProcess | null = null;
	afterAll(async () => {
		volunteer?.kill('SIGTERM');
		await Promise.all(hubs.map((h) => h.stop()));
	});

	it('backs up a running hub and restores it into a hub that serves the same jobs, results and models', async () => {
		const hub = await startHubProcess();
		hubs.push(hub);
		volunteer = startVolunteer(hub.url);
		const inputs = ['kept across a restore', 'and its results too'];
		const { job_id: done } = await (
			await api(hub, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'demo-embedding', input: inputs } })
		).json();
		await expect.poll(async () => (await json(hub, `/api/jobs/${done}`)).status, { timeout: 90_000, interval: 250 }).toBe('completed');
		volunteer.kill('SIGTERM');
		volunteer = null;
		// A job still queued when the backup is taken, and a submitter's key: both must come back too.
		const { job_id: queued } = await (
			await api(hub, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'demo-embedding', input: ['later'] } })
		).json();
		const { key } = await (await api(hub, '/api/keys', { method: 'POST', json: { name: 'carol' } })).json();
		const before = {
			done: await json(hub, `/api/jobs/${done}`),
			queued: await json(hub, `/api/jobs/${queued}`),
			models: await json(hub, '/api/models')
		};
		expect(before.done.result).toHaveLength(2);

		const work = tempDir();
		const archive = path.join(work, 'hub.tar.gz');
		const backup = await exostack(['backup', archive, '--hub', hub.url, '--token', TEST_TOKEN]);
		expect(backup, backup.err).toMatchObject({ code: 0 });
		expect(backup.out).toMatch(/hub\.tar\.gz: \d+ files, [\d.]+ MiB, checked/);
		expect(statSync(archive).mode & 0o777).toBe(0o600);
		expect(existsSync(`${archive}.partial`)).toBe(false);
		const audit = await json(hub, '/api/audit');
		expect(audit).toContainEqual(expect.objectContaining({ action: 'backup.created', actor: 'admin' }));

		// While the hub runs, its folder is its own: an offline backup of it is refused rather than let it corrupt the database.
		const offline = await exostack(['backup', path.join(work, 'offline.tar.gz'), '--data-dir', hub.dataDir]);
		expect(offline.code).toBe(1);
		expect(offline.err).toMatch(/in use by an ExoStack hub \(pid \d+\)/);
		expect(existsSync(path.join(work, 'offline.tar.gz'))).toBe(false);
		// Nor may a second hub open it: two processes on one PGlite folder would corrupt it.
		await expect(startHubProcess({ dataDir: hub.dataDir })).rejects.toThrow(/in use by an ExoStack hub \(pid \d+\)/);

		const nonEmpty = path.join(work, 'non-empty');
		mkdirSync(nonEmpty);
		writeFileSync(path.join(nonEmpty, 'notes.txt'), 'mine');
		const refused = await exostack(['restore', archive, '--data-dir', nonEmpty]);
		expect(refused.code).toBe(1);
		expect(refused.err).toMatch(/is not empty: restore into a new folder/);
		expect(readdirSync(nonEmpty)).toEqual(['notes.txt']);

		const restoredDir = path.join(work, 'restored');
		const restore = await exostack(['restore', archive, '--data-dir', restoredDir]);
		expect(restore, restore.err).toMatchObject({ code: 0 });
		expect(restore.out).toMatch(/restored \d+ files/);

		const copy = await startHubProcess({ dataDir: restoredDir, env: { EXOSTACK_DEMO_MODELS: 'off' } });
		hubs.push(copy);
		expect(await json(copy, `/api/jobs/${done}`)).toEqual(before.done);
		expect(await json(copy, `/api/jobs/${queued}`)).toEqual(before.queued);
		expect(await json(copy, '/api/models')).toEqual(before.models);
		// The model files are served from the restored store, with the bytes their sha256 names.
		const files = (before.models as { files: { sha256: string; url: string }[] }[]).flatMap((m) => m.files);
		expect(files.length).toBeGreaterThan(0);
		for (const f of files) expect(sha256(await (await fetch(`${copy.url}${f.url}`)).arrayBuffer())).toBe(f.sha256);
		// The submitter's key works against the restored hub (its hash was in the database).
		const asCarol = await fetch(`${copy.url}/api/jobs`, { headers: { authorization: `Bearer ${key}` } });
		expect(asCarol.status).toBe(200);

		// With no hub on it, a folder is backed up directly; that backup restores too.
		await copy.stop();
		hubs.pop();
		const direct = await exostack(['backup', path.join(work, 'direct.tar.gz'), '--data-dir', restoredDir]);
		expect(direct, direct.err).toMatchObject({ code: 0 });
		const again = path.join(work, 'again');
		expect(await exostack(['restore', path.join(work, 'direct.tar.gz'), '--data-dir', again])).toMatchObject({ code: 0 });
		const third = await startHubProcess({ dataDir: again, env: { EXOSTACK_DEMO_MODELS: 'off' } });
		hubs.push(third);
		expect(await json(third, `/api/jobs/${done}`)).toEqual(before.done);
	}, 300_000);

	afterAll(() => postgres?.drop());

	it.skipIf(!postgres)(
		'on PostgreSQL, backs up the model store only and says the database is the operator’s to dump',
		async () => {
			const hub = await startHubProcess({ databaseUrl: postgres!.url });
			hubs.push(hub);
			const models = await json(hub, '/api/models');
			const work = tempDir();
			const archive = path.join(work, 'models.tar.gz');
			const backup = await exostack(['backup', archive, '--hub', hub.url, '--token', TEST_TOKEN]);
			expect(backup, backup.err).toMatchObject({ code: 0 });
			expect(backup.err).toMatch(/the database is on PostgreSQL and not in this archive: back it up with pg_dump/);
			const restoredDir = path.join(work, 'restored');
			const restore = await exostack(['restore', archive, '--data-dir', restoredDir]);
			expect(restore, restore.err).toMatchObject({ code: 0 });
			expect(restore.err).toMatch(/pg_dump/);
			expect(readdirSync(restoredDir).sort()).toEqual(['blobs']);
			// Every model file the database refers to is in the restored store, whole: hubs on the same database can serve from it.
			const blobs = readdirSync(path.join(restoredDir, 'blobs'));
			for (const f of (models as { files: { sha256: string }[] }[]).flatMap((m) => m.files)) expect(blobs).toContain(f.sha256);
			// Offline, with DATABASE_URL in the environment, the same: the model store only.
			await hub.stop();
			hubs.pop();
			const direct = await exostack(['backup', path.join(work, 'direct.tar.gz'), '--data-dir', hub.dataDir], {
				DATABASE_URL: postgres!.url
			});
			expect(direct, direct.err).toMatchObject({ code: 0 });
			expect(direct.err).toMatch(/pg_dump/);
		},
		180_000
	);
});
