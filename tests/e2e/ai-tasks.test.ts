/**
 * The AI task types end to end in real headless Chromium against the production hub: a WebGPU tab
 * (SwiftShader's software adapter) and a WASM tab compute text generation, text classification and
 * image classification, and every output equals what onnxruntime-node computes for the same model,
 * variant and input: identical tokens for greedy generation, scores within 1e-4 for classifiers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { launchChromium } from '../harness/chromium';
import { gotoHydrated } from '../harness/page-checks';
import { referenceOutputs, variantOfResultClass } from '../harness/reference';
import { makeJpeg, makePng } from '../harness/images';
import type { GenerationOutput, ClassificationOutput } from '../../src/lib/protocol/generation';
import type { TaskType } from '../../src/lib/protocol/models';
import { writeFolder } from '../../src/lib/demo-models/write-model-folder';
import { buildMlcTestFolder } from '../../src/lib/demo-models/mlc-folder';

interface TaskRow {
	state: string;
	attempts: number;
	failures: number;
	last_error: string | null;
	first_input: number;
	inputs: number;
	backend: string | null;
	result_class: string | null;
}

const PROMPTS = [
	'Hello world, this is',
	'The quick brown fox',
	'Once upon a time',
	'Volunteers donate spare time',
	'What is the meaning of life?',
	'a'
];

describe('AI task types in browser volunteers', () => {
	let hub: HubProcess;
	let gpu: Browser;
	let cpu: Browser;
	let tabs: Page[] = [];

	beforeAll(async () => {
		// No tail duplicates: SwiftShader's WebGPU is slow enough that the WASM tab would take over its tasks,
		// and these tests are about both backends computing.
		[hub, gpu, cpu] = await Promise.all([
			startHubProcess({ env: { EXOSTACK_TAIL_SECONDS: '3600' } }),
			launchChromium({ webgpu: true }),
			launchChromium({ webgpu: false })
		]);
	});
	// A test that fails midway must not leave tabs leasing the next test's tasks.
	afterEach(async () => closeTabs());
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
		expect(await page.getByTestId('backend').textContent()).toMatch(backend === 'webgpu' ? /^webgpu/ : /^wasm/);
		return page;
	}

	async function bothTabs() {
		tabs = await Promise.all([volunteerTab(gpu, 'webgpu'), volunteerTab(cpu, 'wasm')]);
	}
	async function closeTabs() {
		await Promise.all(tabs.map((t) => t.close()));
		tabs = [];
	}

	/**
	 * Whether the page's job watch has been acknowledged: from then on the hub sends it every piece of the
	 * job's text as it is made. Read from the page's own /dashboard WebSocket frames: the `job:watch` event
	 * and the acknowledgement of its id.
	 */
	function jobWatchAcknowledged(page: Page): () => boolean {
		let acknowledged = false;
		page.on('websocket', (ws) => {
			const asked = new Set<string>();
			ws.on('framesent', ({ payload }) => {
				const watch = /^42\/dashboard,(\d+)\["job:watch"/.exec(String(payload));
				if (watch) asked.add(watch[1]);
			});
			ws.on('framereceived', ({ payload }) => {
				const ack = /^43\/dashboard,(\d+)\[\{"ok":true/.exec(String(payload));
				if (ack && asked.has(ack[1])) acknowledged = true;
			});
		});
		return () => acknowledged;
	}

	async function submit(taskType: TaskType, model: string, input: string[], params: Record<string, unknown> = {}) {
		const res = await api(hub, '/api/jobs', { method: 'POST', json: { task_type: taskType, model, input, params, chunk_size: 1 } });
		expect(res.status, await res.clone().text()).toBe(201);
		return ((await res.json()) as { job_id: string }).job_id;
	}

	async function finished(id: string) {
		// Waits for any end, so a failed job fails the test at once, with its errors.
		let last: { status?: string; errors?: unknown } = {};
		await expect
			.poll(async () => (last = await (await api(hub, `/api/jobs/${id}`)).json()).status, { timeout: 280_000, interval: 500 })
			.toMatch(/^(completed|failed|cancelled)$/);
		expect(last.status, `job ${id}: ${JSON.stringify(last.errors)}`).toBe('completed');
		const job = (await (await api(hub, `/api/jobs/${id}`)).json()) as { result: unknown[] };
		const tasks = ((await (await api(hub, `/api/jobs/${id}/tasks`)).json()) as TaskRow[]).filter((t) => t.state === 'done');
		return { result: job.result, tasks };
	}

	/** The reference for each input: onnxruntime-node with the variant the hub recorded for that input's task. */
	async function references(taskType: TaskType, model: string, inputs: string[], tasks: TaskRow[], params: Record<string, unknown>) {
		const expected: unknown[] = [];
		for (const t of tasks) {
			const slice = inputs.slice(t.first_input, t.first_input + t.inputs);
			const outs = await referenceOutputs(hub.url, {
				taskType,
				modelId: model,
				inputs: slice,
				params,
				variant: variantOfResultClass(t.result_class!)
			});
			outs.forEach((o, k) => (expected[t.first_input + k] = o));
		}
		return expected;
	}

	function expectScoresClose(actual: ClassificationOutput[], expected: ClassificationOutput[]) {
		expect(actual).toHaveLength(expected.length);
		actual.forEach((labels, i) => {
			expect(
				labels.map((l) => l.label),
				`input ${i}`
			).toEqual(expected[i].map((l) => l.label));
			labels.forEach((l, k) => expect(Math.abs(l.score - expected[i][k].score), `input ${i} ${l.label}`).toBeLessThan(1e-4));
		});
	}

	it('generates text on a WebGPU and a WASM tab with the same greedy tokens as onnxruntime-node, streaming to the job page', async () => {
		// The job page watches before any volunteer connects, so all of every completion streams to it live.
		const form = await cpu.newPage();
		const watching = jobWatchAcknowledged(form);
		await gotoHydrated(form, `${hub.url}/jobs/new`);
		await form.fill('#token', hub.token);
		await form.selectOption('#model', 'demo-text-generation');
		await form.fill('#inputs', PROMPTS.join('\n'));
		await form.fill('#max-tokens', '20');
		await form.click('button[type=submit]');
		await form.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
		const jobId = form.url().split('/').pop()!;
		await expect.poll(watching, { timeout: 30_000 }).toBe(true);
		await bothTabs();
		// Text appears on the page as volunteers make it.
		await form.getByTestId('live-text').waitFor({ timeout: 120_000 });
		const { result, tasks } = await finished(jobId);
		const expected = (await references('text_generation', 'demo-text-generation', PROMPTS, tasks, {
			max_tokens: 20
		})) as GenerationOutput[];
		const got = result as GenerationOutput[];
		got.forEach((out, i) => {
			expect(out.tokens, PROMPTS[i]).toEqual(expected[i].tokens);
			expect(out.text).toBe(expected[i].text);
		});
		// The live text on the page is the accepted completion, for every input.
		for (const [i, out] of got.entries())
			await expect.poll(() => form.locator(`.gen[data-index="${i}"]`).allTextContents(), { timeout: 5000 }).toEqual([out.text]);
		await expect.poll(() => form.locator('[data-testid=results] tbody tr').count(), { timeout: 10_000 }).toBe(PROMPTS.length);

		// One prompt per task, so both tabs take some: each runs the variant it prefers, WebGPU without
		// shader-f16 full precision and WASM int8, and each matches node on that variant.
		const spread = await finished(await submit('text_generation', 'demo-text-generation', PROMPTS, { max_tokens: 12 }));
		expect(new Set(spread.tasks.map((t) => t.result_class))).toEqual(new Set(['webgpu-f32/fp32', 'wasm/q8']));
		const spreadReference = (await references('text_generation', 'demo-text-generation', PROMPTS, spread.tasks, {
			max_tokens: 12
		})) as GenerationOutput[];
		(spread.result as GenerationOutput[]).forEach((out, i) => expect(out.tokens, PROMPTS[i]).toEqual(spreadReference[i].tokens));

		// Pinned to fp32 with seeded sampling: both tabs and node draw the same tokens.
		const params = { max_tokens: 12, variant: 'fp32', temperature: 0.8, top_p: 0.9, seed: 1234 };
		const pinned = await finished(await submit('text_generation', 'demo-text-generation', PROMPTS, params));
		expect(new Set(pinned.tasks.map((t) => t.result_class))).toEqual(new Set(['webgpu-f32/fp32', 'wasm/fp32']));
		const reference = (await references('text_generation', 'demo-text-generation', PROMPTS, pinned.tasks, params)) as GenerationOutput[];
		(pinned.result as GenerationOutput[]).forEach((out, i) => expect(out.tokens, PROMPTS[i]).toEqual(reference[i].tokens));
		await form.close();
		await closeTabs();
	});

	it('classifies text on both tabs with scores within 1e-4 of onnxruntime-node', async () => {
		await bothTabs();
		const texts = Array.from({ length: 12 }, (_, i) => `${PROMPTS[i % PROMPTS.length]} number ${i} about science and music`);
		const { result, tasks } = await finished(await submit('classification', 'demo-classifier', texts, { top_k: 0 }));
		expect(new Set(tasks.map((t) => t.backend))).toEqual(new Set(['webgpu', 'wasm']));
		const expected = (await references('classification', 'demo-classifier', texts, tasks, { top_k: 0 })) as ClassificationOutput[];
		expectScoresClose(result as ClassificationOutput[], expected);
		expect((result as ClassificationOutput[])[0]).toHaveLength(4);
		await closeTabs();
	});

	it('classifies uploaded PNG and JPEG images on both tabs with scores within 1e-4 of onnxruntime-node', async () => {
		await bothTabs();
		const files = [
			makePng(64, 48, 1),
			makeJpeg(40, 40, 2),
			makePng(17, 33, 3),
			makeJpeg(100, 60, 4),
			makePng(32, 32, 5),
			makeJpeg(31, 77, 6)
		];
		const refs: string[] = [];
		for (const [i, bytes] of files.entries()) {
			const res = await api(hub, '/api/images', {
				method: 'POST',
				body: bytes as Uint8Array<ArrayBuffer>,
				headers: { 'content-type': i % 2 ? 'image/jpeg' : 'image/png' }
			});
			expect(res.status).toBe(201);
			refs.push(((await res.json()) as { images: { ref: string }[] }).images[0].ref);
		}
		const { result, tasks } = await finished(await submit('image_classification', 'demo-image-classifier', refs, { top_k: 3 }));
		expect(new Set(tasks.map((t) => t.backend))).toEqual(new Set(['webgpu', 'wasm']));
		const expected = (await references('image_classification', 'demo-image-classifier', refs, tasks, {
			top_k: 3
		})) as ClassificationOutput[];
		expectScoresClose(result as ClassificationOutput[], expected);

		// The form uploads images itself, then submits them as a job.
		const dir = tempDir('exostack-images-');
		const file = path.join(dir, 'cat.png');
		writeFileSync(file, makePng(50, 50, 9));
		const form = await cpu.newPage();
		await gotoHydrated(form, `${hub.url}/jobs/new`);
		await form.fill('#token', hub.token);
		await form.selectOption('#model', 'demo-image-classifier');
		await form.setInputFiles('#images', file);
		await form.click('button[type=submit]');
		await form.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
		const viaForm = await finished(form.url().split('/').pop()!);
		expect((viaForm.result as ClassificationOutput[])[0]).toHaveLength(5);
		await form.close();
		await closeTabs();
	});

	/**
	 * WebLLM without real weights: what runs here is the gating and the loading path up to the model
	 * library. Not run: a real MLC model library and weights (they need the TVM toolchain or a download),
	 * a GPU with shader-f16 (SwiftShader has none), and so any actual WebLLM generation.
	 */
	it('gates WebLLM models by the adapter and loads one from the hub only, as far as the model library', async () => {
		const importMlc = async (id: string, quantization: string) => {
			const dir = tempDir('exostack-mlc-');
			await writeFolder(dir, buildMlcTestFolder({ quantization, tensorBytes: 4096 }));
			const res = await api(hub, '/api/models', { method: 'POST', json: { path: dir, id } });
			expect(res.status, await res.clone().text()).toBe(201);
			return (await res.json()) as { files: { path: string; sha256: string }[] };
		};
		const f32 = await importMlc('test/mlc-q4f32', 'q4f32_1');
		await importMlc('test/mlc-q4f16', 'q4f16_1');
		const tasksOf = async (id: string) => (await (await api(hub, `/api/jobs/${id}/tasks`)).json()) as TaskRow[];

		// A WASM tab (no WebGPU) is never leased a WebLLM task.
		const wasm = await volunteerTab(cpu, 'wasm');
		const job = await submit('text_generation', 'test/mlc-q4f32', ['Hello'], { max_tokens: 8 });
		await new Promise((r) => setTimeout(r, 6000));
		expect((await tasksOf(job))[0]).toMatchObject({ state: 'queued', attempts: 0 });
		await wasm.close();

		// The software WebGPU adapter meets the q4f32 model's needs but lacks shader-f16.
		const gpuTab = await gpu.newPage();
		const requests: string[] = [];
		gpuTab.on('request', (r) => requests.push(r.url()));
		await gpuTab.goto(`${hub.url}/volunteer?mode=always&max_tasks=1`);
		const f16Job = await submit('text_generation', 'test/mlc-q4f16', ['Hello'], { max_tokens: 8 });
		await expect.poll(async () => (await tasksOf(job))[0].failures, { timeout: 120_000, interval: 500 }).toBeGreaterThan(0);
		const failed = (await tasksOf(job))[0];
		// web-llm fetched its config and verified and instantiated the library from the hub; the empty library stops it there.
		expect(failed.last_error).not.toMatch(/cannot run WebLLM|integrity|fetch|NetworkError|404/i);
		const lib = f32.files.find((f) => f.path.endsWith('.wasm'))!;
		expect(requests).toContain(`${hub.url}/models/test/mlc-q4f32/resolve/main/mlc-chat-config.json`);
		expect(requests).toContain(`${hub.url}/blobs/${lib.sha256}`);
		expect(requests.filter((u) => !u.startsWith(hub.url) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
		// The shader-f16 model was never leased to this adapter.
		expect((await tasksOf(f16Job))[0]).toMatchObject({ state: 'queued', attempts: 0 });
		console.log(`WebLLM loading path stopped at: ${failed.last_error}`);
		await api(hub, `/api/jobs/${job}/cancel`, { method: 'POST' });
		await api(hub, `/api/jobs/${f16Job}/cancel`, { method: 'POST' });
		await gpuTab.close();
	});
});
