/**
 * The `exostack` command against the production hub, with a headless volunteer computing: infer
 * prints the completion as it streams, and submit / status / results / import do what they say.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { startHeadlessVolunteer } from '../../src/lib/headless/headless-volunteer';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';
import type { GenerationOutput } from '../../src/lib/protocol/generation';
import { startHfTestServer, type HfTestServer } from '../../src/lib/server/models/hf-test-server';
import { buildTextClassifierFolder } from '../../src/lib/demo-models/classifier-folders';
import { launchChromium } from '../harness/chromium';

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
	/** stdout as the pieces arrived, with when. */
	chunks: { at: number; text: string }[];
}

function cli(hub: HubProcess, args: string[], env: Record<string, string> = {}): Promise<Run> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['bin/exostack.js', ...args], {
			env: { ...process.env, EXOSTACK_HUB_URL: hub.url, EXOSTACK_API_TOKEN: hub.token, ...env }
		});
		const run: Run = { code: null, stdout: '', stderr: '', chunks: [] };
		child.stdout.on('data', (d: Buffer) => {
			run.stdout += d;
			run.chunks.push({ at: performance.now(), text: String(d) });
		});
		child.stderr.on('data', (d: Buffer) => (run.stderr += d));
		child.on('close', (code) => resolve({ ...run, code }));
	});
}

describe('exostack CLI', () => {
	let hub: HubProcess;
	let volunteer: ReturnType<typeof startHeadlessVolunteer>;
	let hf: HfTestServer;

	beforeAll(async () => {
		hf = await startHfTestServer({ 'acme/news-classifier': buildTextClassifierFolder(3) });
		hub = await startHubProcess({ env: { HF_ENDPOINT: hf.url } });
		volunteer = startHeadlessVolunteer({ hubUrl: hub.url, threads: 1 });
	});
	afterAll(async () => {
		await volunteer?.stop();
		await hub?.stop();
		await hf?.close();
	});

	it('infer prints the completion as it streams, ending with the accepted result', async () => {
		const run = await cli(hub, ['infer', '--model', 'demo-text-generation', '--prompt', 'Hello world', '--max-tokens', '400']);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		const jobs = (await (await api(hub, '/api/jobs?limit=1')).json()) as { job_id: string }[];
		const job = (await (await api(hub, `/api/jobs/${jobs[0].job_id}`)).json()) as { result: GenerationOutput[] };
		expect(job.result[0].tokens.length).toBeGreaterThan(100);
		expect(run.stdout).toBe(`${job.result[0].text}\n`);
		// Printed piece by piece over time, not in one write at the end.
		expect(run.chunks.length).toBeGreaterThan(2);
		expect(run.chunks.at(-1)!.at - run.chunks[0].at).toBeGreaterThan(20);
	});

	it('infer --json prints the whole result; a bad request exits 1 with the hub’s reason', async () => {
		const json = await cli(hub, ['infer', 'Once upon a time', '--max-tokens', '5', '--json']);
		expect(json.code).toBe(0);
		const out = JSON.parse(json.stdout) as GenerationOutput;
		expect(out).toMatchObject({ finish_reason: 'length' });
		expect(out.tokens).toHaveLength(5);
		const bad = await cli(hub, ['infer', '--model', 'no-such-model', '--prompt', 'x']);
		expect(bad.code).toBe(1);
		expect(bad.stderr).toMatch(/unknown model "no-such-model"/);
		const usage = await cli(hub, ['infer', '--bogus']);
		expect(usage.code).toBe(2);
		expect((await cli(hub, ['volunteer'])).code).toBe(2);
	});

	it('submit, status and results round-trip an embedding job; import adds a model folder', async () => {
		const submitted = await cli(hub, [
			'submit',
			'--type',
			'embedding',
			'--model',
			'demo-embedding',
			'--input',
			'hello',
			'--input',
			'world',
			'--wait'
		]);
		expect(submitted.code).toBe(0);
		const view = JSON.parse(submitted.stdout) as { job_id: string; status: string; result: number[][] };
		expect(view.status).toBe('completed');
		expect(view.result).toHaveLength(2);
		const status = await cli(hub, ['status', view.job_id]);
		expect(JSON.parse(status.stdout)).toMatchObject({ status: 'completed', progress: { done: 2, total: 2 } });
		const results = await cli(hub, ['results', view.job_id, '--format', 'csv']);
		expect(results.stdout.split('\n')[0]).toBe('index,input,output');
		expect(results.stdout).toContain('0,hello,');

		const dir = tempDir('exostack-cli-model-');
		await writeModelFolder(dir, { layout: 'sentence-transformers', seed: 4 });
		const imported = await cli(hub, ['import', dir, '--id', 'cli/imported']);
		expect(imported.stdout).toMatch(/^imported cli\/imported \(embedding\), \d+ files/);
		expect((await api(hub, '/api/models/cli/imported')).status).toBe(200);
		// By repository id: the hub downloads from its HF_ENDPOINT (here a local server in the same layout).
		const fromHf = await cli(hub, ['import', '--hf', 'acme/news-classifier']);
		expect(fromHf.stderr).toBe('');
		expect(fromHf.stdout).toMatch(/^imported acme\/news-classifier \(classification\), 5 files/);
		const classified = await cli(hub, [
			'submit',
			'--type',
			'classification',
			'--model',
			'acme/news-classifier',
			'--input',
			'the bank closed early',
			'--wait'
		]);
		const labels = (JSON.parse(classified.stdout) as { result: { label: string; score: number }[][] }).result[0];
		expect(labels.map((l) => l.label).sort()).toEqual(['business', 'science', 'sports', 'world']);
		expect((await cli(hub, ['import', '--hf', 'acme/missing'])).stderr).toMatch(/acme\/missing@main was not found/);
		const wrongToken = await cli(hub, ['import', dir, '--id', 'x'], { EXOSTACK_API_TOKEN: 'exo_wrong_token_0000000000' });
		expect(wrongToken.code).toBe(1);
		expect(wrongToken.stderr).toMatch(/invalid API token/);
	});

	it('keys create, list and revoke a submitter key that owns its jobs, watched live with it', async () => {
		const created = await cli(hub, ['keys', 'create', 'lab-a', '--jobs-per-day', '5']);
		expect(created.code, created.stderr).toBe(0);
		const key = created.stdout.trim();
		expect(key).toMatch(/^exok_/);
		expect(created.stderr).toMatch(/shown this once/);
		// The key submits and waits (the live watch carries it), and reads its own job back.
		const submitted = await cli(hub, ['submit', '--model', 'demo-embedding', '--input', 'mine', '--wait'], { EXOSTACK_API_TOKEN: key });
		expect(submitted.code, submitted.stderr).toBe(0);
		const id = (JSON.parse(submitted.stdout) as { job_id: string }).job_id;
		expect((await cli(hub, ['status', id], { EXOSTACK_API_TOKEN: key })).code).toBe(0);
		const listed = await cli(hub, ['keys', 'list', '--json']);
		const mine = (JSON.parse(listed.stdout) as { id: string; name: string; prefix: string; usage: { jobs_last_day: number } }[]).find(
			(k) => k.name === 'lab-a'
		)!;
		expect(key.startsWith(mine.prefix)).toBe(true);
		expect(listed.stdout).not.toContain(key);
		expect(mine.usage.jobs_last_day).toBe(1);
		// A submitter's key cannot manage keys; once revoked, it is refused.
		expect((await cli(hub, ['keys', 'list'], { EXOSTACK_API_TOKEN: key })).stderr).toMatch(/admin token/);
		expect((await cli(hub, ['keys', 'revoke', mine.id])).stdout).toMatch(/revoked/);
		const refused = await cli(hub, ['status', id], { EXOSTACK_API_TOKEN: key });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/invalid API token/);
	});

	it('the models page lists models with their variants and imports a repository by id', async () => {
		const browser = await launchChromium({ webgpu: false });
		try {
			const page = await browser.newPage();
			await page.goto(`${hub.url}/models`);
			const row = page.locator('[data-testid=models] tr', { hasText: 'demo-text-generation' });
			expect(await row.textContent()).toMatch(/text_generation.*fp32, fp16, q8/);
			await page.fill('#token', hub.token);
			await page.fill('#source', 'acme/news-classifier');
			await page.fill('#model-id', 'page/classifier');
			await page.click('button[type=submit]');
			await page.getByTestId('imported').waitFor({ timeout: 30_000 });
			await expect.poll(() => page.locator('[data-testid=models] tr', { hasText: 'page/classifier' }).count()).toBe(1);
			await page.fill('#source', 'acme/missing');
			await page.click('button[type=submit]');
			await expect.poll(() => page.locator('[role=alert]').textContent()).toMatch(/not found/);
		} finally {
			await browser.close();
		}
	});
});
