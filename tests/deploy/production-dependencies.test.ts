/**
 * The image installs production dependencies only (`npm ci --omit=dev`, see the Dockerfile). This starts
 * the built hub, by the image's command, in a folder holding the build and exactly that set of packages
 * (npm's own list of them, hard-linked from this checkout's node_modules), and uses it: nothing the
 * server imports at run time may be a devDependency.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';

const root = process.cwd();
const folder = tempDir('exostack-production-');
let hub: HubProcess | undefined;
afterAll(async () => {
	await hub?.stop();
	rmSync(folder, { recursive: true, force: true });
});

/** The installed packages npm counts as production, outermost only (a nested one comes with its parent). */
function productionPackages(): string[] {
	const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 })
		.split('\n')
		.filter((p) => p && p !== root)
		.map((p) => path.relative(root, p))
		.sort();
	return listed.filter((p, i) => !listed.slice(0, i).some((outer) => p.startsWith(`${outer}/`)));
}

/** Hard links where the temporary folder shares this checkout's file system (instant), a copy where not; either way the files npm installed, patches applied. */
function copyTree(from: string, to: string) {
	try {
		execFileSync('cp', ['-al', from, to], { stdio: 'ignore' });
	} catch {
		rmSync(to, { recursive: true, force: true });
		cpSync(from, to, { recursive: true, verbatimSymlinks: true });
	}
}

describe('the production dependencies alone', () => {
	it('serve the built hub: pages, the API, the probes', async () => {
		const packages = productionPackages();
		expect(packages).toContain('node_modules/socket.io');
		for (const dev of ['node_modules/vite', 'node_modules/@sveltejs/kit', 'node_modules/svelte']) expect(packages).not.toContain(dev);
		for (const p of packages) {
			mkdirSync(path.dirname(path.join(folder, p)), { recursive: true });
			copyTree(path.join(root, p), path.join(folder, p));
		}
		copyTree(path.join(root, 'build'), path.join(folder, 'build'));
		for (const file of ['server.js', 'package.json']) copyFileSync(path.join(root, file), path.join(folder, file));
		// Nothing above the folder may hold node_modules, or Node would find the dev dependencies there.
		for (let dir = path.dirname(folder); dir !== path.dirname(dir); dir = path.dirname(dir))
			expect(existsSync(path.join(dir, 'node_modules')), dir).toBe(false);

		hub = await startHubProcess({ cwd: folder });
		expect((await fetch(`${hub.url}/api/health/ready`)).status, hub.logs()).toBe(200);
		expect((await fetch(`${hub.url}/volunteer`)).status).toBe(200);
		expect((await fetch(`${hub.url}/metrics`)).status).toBe(200);
		const submitted = await api(hub, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'demo-embedding', input: ['production only'] }
		});
		expect(submitted.status, await submitted.clone().text()).toBe(201);
		const { job_id } = (await submitted.json()) as { job_id: string };
		expect((await api(hub, `/api/jobs/${job_id}`)).status).toBe(200);
		expect(hub.logs()).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
	});
});
