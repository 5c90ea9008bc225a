/**
 * `npx exostack volunteer` as a server owner runs it: a separate process that computes a job, keeps its
 * identity across its own restart, and reconnects by itself when the hub is killed and comes back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { referenceEmbeddings, maxAbsDiff } from '../harness/reference';

function startCli(hubUrl: string, identityFile: string) {
	const child = spawn(
		process.execPath,
		['bin/exostack.js', 'volunteer', '--hub', hubUrl, '--identity-file', identityFile, '--threads', '1'],
		{
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	return { child, output: () => output };
}

async function stop(child: ChildProcess) {
	if (child.exitCode !== null) return child.exitCode;
	const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
	child.kill('SIGTERM');
	return exited;
}

async function runJob(hub: HubProcess, inputs: string[]) {
	const { job_id } = await (
		await api(hub, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'demo-embedding', input: inputs } })
	).json();
	await expect
		.poll(async () => (await (await api(hub, `/api/jobs/${job_id}`)).json()).status, { timeout: 60_000, interval: 200 })
		.toBe('completed');
	const job = await (await api(hub, `/api/jobs/${job_id}`)).json();
	const expected = await referenceEmbeddings(hub.url, 'demo-embedding', inputs);
	expect(Math.max(...job.result.map((v: number[], i: number) => maxAbsDiff(v, expected[i])))).toBeLessThan(1e-5);
	return job_id as string;
}

describe('exostack volunteer (CLI)', () => {
	const dataDir = tempDir();
	const identityFile = path.join(tempDir(), 'identity');
	let hub: HubProcess;
	afterAll(() => hub?.stop());

	it('computes jobs, keeps its identity, and reconnects by itself after the hub dies', async () => {
		hub = await startHubProcess({ dataDir });
		const first = startCli(hub.url, identityFile);
		await expect.poll(() => first.output(), { timeout: 30_000 }).toMatch(/connected to .* as volunteer ([0-9a-f-]{36})/);
		const id = /as volunteer ([0-9a-f-]{36})/.exec(first.output())![1];
		await runJob(hub, ['one fish', 'two fish', 'red fish', 'blue fish']);
		expect(await stop(first.child)).toBe(0);

		const second = startCli(hub.url, identityFile);
		await expect.poll(() => second.output(), { timeout: 30_000 }).toContain(`as volunteer ${id}`);
		expect(readFileSync(identityFile, 'utf8')).toMatch(new RegExp(`^${id}\\.`));

		const port = hub.port;
		await hub.kill();
		await expect.poll(() => second.output(), { timeout: 30_000 }).toContain('reconnecting');
		hub = await startHubProcess({ dataDir, port });
		await runJob(hub, ['after the crash', 'the volunteer came back']);
		expect(second.output().match(new RegExp(`as volunteer ${id}`, 'g'))!.length).toBeGreaterThanOrEqual(2);
		const nodes = await (await api(hub, '/nodes/ai-readiness')).json();
		expect(nodes.map((n: { node_id: string }) => n.node_id)).toContain(id);
		expect(await stop(second.child)).toBe(0);
	});
});
