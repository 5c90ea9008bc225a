/**
 * The first working path, end to end, in real headless Chromium against the production hub:
 * a job submitted through the web form is computed by two volunteer tabs, one on WebGPU (SwiftShader's
 * software adapter: a real WebGPU path) and one without a GPU (multi-threaded WASM), and every vector
 * equals onnxruntime-node's for the same model and input. Then a tab closes mid-job and the other
 * finishes; then an imported Hugging Face layout model runs the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { launchChromium } from '../harness/chromium';
import { gotoHydrated } from '../harness/page-checks';
import { maxAbsDiff, nodeReference } from '../harness/reference';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';

const WORDS = 'the quick brown fox jumps over a lazy dog while people read books about science music and history'.split(' ');
/** Distinct sentences of varied length, so batching and padding are exercised. */
function sentences(n: number, salt = 0): string[] {
	return Array.from({ length: n }, (_, i) => {
		const len = 3 + ((i * 7 + salt) % 12);
		return Array.from({ length: len }, (_, k) => WORDS[(i * 5 + k * 3 + salt) % WORDS.length]).join(' ') + ` ${i}`;
	});
}

interface TaskRow {
	state: string;
	attempts: number;
	backend: string | null;
	volunteer_id: string | null;
}

describe('browser volunteers', () => {
	let hub: HubProcess;
	let gpu: Browser;
	let cpu: Browser;

	beforeAll(async () => {
		// No tail duplicates: SwiftShader's WebGPU is slow enough that the WASM tab would take over its tasks,
		// and these tests are about both backends computing (the tail has its own tests).
		[hub, gpu, cpu] = await Promise.all([
			startHubProcess({ env: { EXOSTACK_TAIL_SECONDS: '3600' } }),
			launchChromium({ webgpu: true }),
			launchChromium({ webgpu: false })
		]);
	});
	afterAll(async () => {
		await Promise.all([gpu?.close(), cpu?.close()]);
		await hub?.stop();
	});

	async function volunteerTab(browser: Browser, backend: 'webgpu' | 'wasm'): Promise<Page> {
		const page = await browser.newPage();
		page.on('pageerror', (e) => console.error(`[${backend} tab] ${e.message}`));
		// One task at a time: a plugged-in tab may hold 5 (its power tier), and the fast WASM tab would take them all.
		await page.goto(`${hub.url}/volunteer?mode=always&max_tasks=1`);
		await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 60_000 }).toBe('Connected');
		const shown = await page.getByTestId('backend').textContent();
		expect(shown).toMatch(backend === 'webgpu' ? /^webgpu/ : /^wasm · [2-9]/);
		expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
		return page;
	}

	async function waitForJob(id: string, timeout = 240_000) {
		await expect.poll(async () => (await (await api(hub, `/api/jobs/${id}`)).json()).status, { timeout, interval: 500 }).toBe('completed');
		return (await (await api(hub, `/api/jobs/${id}`)).json()) as { result: number[][]; progress: { done: number; total: number } };
	}

	async function tasksOf(id: string): Promise<TaskRow[]> {
		return (await api(hub, `/api/jobs/${id}/tasks`)).json();
	}

	async function expectMatchesNode(modelId: string, inputs: string[], result: number[][]) {
		const reference = await nodeReference(hub.url, modelId);
		try {
			const expected = await reference.embed(inputs);
			const worst = Math.max(...result.map((v, i) => maxAbsDiff(v, expected[i])));
			expect(result).toHaveLength(inputs.length);
			expect(worst).toBeLessThan(1e-4);
		} finally {
			await reference.release();
		}
	}

	it('computes a 200-input job from the web form on a WebGPU tab and a WASM tab, matching onnxruntime-node', async () => {
		const [gpuTab, cpuTab] = await Promise.all([volunteerTab(gpu, 'webgpu'), volunteerTab(cpu, 'wasm')]);
		const inputs = sentences(200);

		const form = await cpu.newPage();
		await gotoHydrated(form, `${hub.url}/jobs/new`);
		await form.fill('#token', hub.token);
		await form.selectOption('#model', 'demo-embedding');
		await form.fill('#inputs', inputs.join('\n'));
		await form.click('button[type=submit]');
		await form.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
		const jobId = form.url().split('/').pop()!;

		// The job page follows progress live, without a reload.
		await expect.poll(() => form.getByTestId('job-status').textContent(), { timeout: 240_000, interval: 500 }).toBe('completed');
		expect(await form.getByTestId('job-progress').textContent()).toBe('200 / 200');
		await expect.poll(() => form.locator('[data-testid=results] tbody tr').count(), { timeout: 10_000 }).toBe(50);

		const job = await waitForJob(jobId);
		await expectMatchesNode('demo-embedding', inputs, job.result);
		const backends = new Set((await tasksOf(jobId)).map((t) => t.backend));
		expect(backends).toEqual(new Set(['webgpu', 'wasm']));
		expect(Number(await gpuTab.getByTestId('tasks-done').textContent())).toBeGreaterThan(0);
		expect(Number(await cpuTab.getByTestId('tasks-done').textContent())).toBeGreaterThan(0);
		await Promise.all([gpuTab.close(), cpuTab.close(), form.close()]);
	});

	it('finishes the job on the other tab when one closes mid-job', async () => {
		const [gpuTab, cpuTab] = await Promise.all([volunteerTab(gpu, 'webgpu'), volunteerTab(cpu, 'wasm')]);
		const inputs = sentences(200, 3);
		// Chunks of 8 named: left to the hub, the first test's measured pace would size this job as one or two tasks
		// (EXOSTACK_TARGET_TASK_SECONDS), and the WebGPU tab might never hold one to close mid-task.
		const submitted = await (
			await api(hub, '/api/jobs', {
				method: 'POST',
				json: { task_type: 'embedding', model: 'demo-embedding', input: inputs, chunk_size: 8 }
			})
		).json();

		// SwiftShader WebGPU takes seconds per task, so the WebGPU tab is certainly mid-task here.
		await gpuTab.getByTestId('current-task').waitFor({ timeout: 60_000 });
		const before = await (await api(hub, `/api/jobs/${submitted.job_id}`)).json();
		expect(before.status).toBe('running');
		await gpuTab.close();

		const job = await waitForJob(submitted.job_id);
		expect(job.progress).toEqual({ done: 200, total: 200 });
		await expectMatchesNode('demo-embedding', inputs, job.result);
		const tasks = await tasksOf(submitted.job_id);
		expect(tasks.every((t) => t.state === 'done')).toBe(true);
		// The closed tab's task was given back at once and finished by the WASM tab.
		const reissued = tasks.filter((t) => t.attempts > 1);
		expect(reissued.length).toBeGreaterThan(0);
		expect(reissued.every((t) => t.backend === 'wasm')).toBe(true);
		await cpuTab.close();
	});

	it('runs an imported Hugging Face layout model in both tabs, matching onnxruntime-node', async () => {
		const dir = tempDir('exostack-hf-');
		await writeModelFolder(dir, { layout: 'sentence-transformers', size: 'demo', seed: 11 });
		const imported = await api(hub, '/api/models', { method: 'POST', json: { path: dir, id: 'acme/minilm-like' } });
		expect(imported.status).toBe(201);
		expect((await imported.json()).embedding.pooling).toBe('mean');

		const [gpuTab, cpuTab] = await Promise.all([volunteerTab(gpu, 'webgpu'), volunteerTab(cpu, 'wasm')]);
		const inputs = sentences(40, 5);
		const submitted = await (
			await api(hub, '/tasks/submit', {
				method: 'POST',
				json: { task_type: 'embedding', model: 'acme/minilm-like', input: inputs, chunk_size: 4 }
			})
		).json();
		const job = await waitForJob(submitted.task_id);
		await expectMatchesNode('acme/minilm-like', inputs, job.result);
		expect(new Set((await tasksOf(submitted.task_id)).map((t) => t.backend))).toEqual(new Set(['webgpu', 'wasm']));
		await Promise.all([gpuTab.close(), cpuTab.close()]);
	});
});
