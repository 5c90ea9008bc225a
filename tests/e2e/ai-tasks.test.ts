/**
 * The AI task types end to end in real headless Chromium against the production hub: a WebGPU tab
 * (SwiftShader's software adapter) and a WASM tab compute text generation, text classification and
 * image classification, and every output equals what onnxruntime-node computes for the same model,
 * variant and input: identical tokens for greedy generation, scores within 1e-4 for classifiers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { launchChromium } from '../harness/chromium';
import { referenceOutputs, variantOfBackend } from '../harness/reference';
import { makeJpeg, makePng } from '../harness/images';
import type { GenerationOutput, ClassificationOutput } from '../../src/lib/protocol/generation';
import type { TaskType } from '../../src/lib/protocol/models';

interface TaskRow {
	state: string;
	first_input: number;
	inputs: number;
	backend: string | null;
}

const PROMPTS = ['Hello world, this is', 'The quick brown fox', 'Once upon a time', 'Volunteers donate spare time', 'What is the meaning of life?', 'a'];

describe('AI task types in browser volunteers', () => {
	let hub: HubProcess;
	let gpu: Browser;
	let cpu: Browser;
	let tabs: Page[] = [];

	beforeAll(async () => {
		[hub, gpu, cpu] = await Promise.all([startHubProcess(), launchChromium({ webgpu: true }), launchChromium({ webgpu: false })]);
	});
	afterAll(async () => {
		await Promise.all([gpu?.close(), cpu?.close()]);
		await hub?.stop();
	});

	async function volunteerTab(browser: Browser, backend: 'webgpu' | 'wasm'): Promise<Page> {
		const page = await browser.newPage();
		page.on('pageerror', (e) => console.error(`[${backend} tab] ${e.message}`));
		await page.goto(`${hub.url}/volunteer?mode=always`);
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

	async function submit(taskType: TaskType, model: string, input: string[], params: Record<string, unknown> = {}) {
		const res = await api(hub, '/api/jobs', { method: 'POST', json: { task_type: taskType, model, input, params, chunk_size: 1 } });
		expect(res.status, await res.clone().text()).toBe(201);
		return ((await res.json()) as { task_id: string }).task_id;
	}

	async function finished(id: string) {
		await expect.poll(async () => (await (await api(hub, `/api/jobs/${id}`)).json()).status, { timeout: 280_000, interval: 500 }).toBe('completed');
		const job = (await (await api(hub, `/api/jobs/${id}`)).json()) as { result: unknown[] };
		const tasks = (await (await api(hub, `/api/jobs/${id}/tasks`)).json()) as TaskRow[];
		return { result: job.result, tasks };
	}

	/** The reference for each input: onnxruntime-node with the variant the hub recorded for that input's task. */
	async function references(taskType: TaskType, model: string, inputs: string[], tasks: TaskRow[], params: Record<string, unknown>) {
		const expected: unknown[] = [];
		for (const t of tasks) {
			const slice = inputs.slice(t.first_input, t.first_input + t.inputs);
			const outs = await referenceOutputs(hub.url, { taskType, modelId: model, inputs: slice, params, variant: variantOfBackend(t.backend!) });
			outs.forEach((o, k) => (expected[t.first_input + k] = o));
		}
		return expected;
	}

	function expectScoresClose(actual: ClassificationOutput[], expected: ClassificationOutput[]) {
		expect(actual).toHaveLength(expected.length);
		actual.forEach((labels, i) => {
			expect(labels.map((l) => l.label), `input ${i}`).toEqual(expected[i].map((l) => l.label));
			labels.forEach((l, k) => expect(Math.abs(l.score - expected[i][k].score), `input ${i} ${l.label}`).toBeLessThan(1e-4));
		});
	}

	it('generates text on a WebGPU and a WASM tab with the same greedy tokens as onnxruntime-node, streaming to the job page', async () => {
		await bothTabs();
		const form = await cpu.newPage();
		await form.goto(`${hub.url}/jobs/new`);
		await form.fill('#token', hub.token);
		await form.selectOption('#model', 'demo-text-generation');
		await form.fill('#inputs', PROMPTS.join('\n'));
		await form.fill('#max-tokens', '20');
		await form.click('button[type=submit]');
		await form.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
		const jobId = form.url().split('/').pop()!;
		// Text appears on the page as volunteers make it.
		await form.getByTestId('live-text').waitFor({ timeout: 120_000 });
		const { result, tasks } = await finished(jobId);
		const expected = (await references('text_generation', 'demo-text-generation', PROMPTS, tasks, { max_tokens: 20 })) as GenerationOutput[];
		const got = result as GenerationOutput[];
		got.forEach((out, i) => {
			expect(out.tokens, PROMPTS[i]).toEqual(expected[i].tokens);
			expect(out.text).toBe(expected[i].text);
		});
		// The live text on the page is the accepted completion, input by input.
		for (const [i, out] of got.entries()) {
			const shown = form.locator(`.gen[data-index="${i}"]`);
			if (await shown.count()) expect(await shown.textContent()).toBe(out.text);
		}
		await expect.poll(() => form.locator('[data-testid=results] tbody tr').count(), { timeout: 10_000 }).toBe(PROMPTS.length);

		// One prompt per task, so both tabs take some: each runs the variant it prefers, WebGPU without
		// shader-f16 full precision and WASM int8, and each matches node on that variant.
		const spread = await finished(await submit('text_generation', 'demo-text-generation', PROMPTS, { max_tokens: 12 }));
		expect(new Set(spread.tasks.map((t) => t.backend))).toEqual(new Set(['webgpu', 'wasm-q8']));
		const spreadReference = (await references('text_generation', 'demo-text-generation', PROMPTS, spread.tasks, { max_tokens: 12 })) as GenerationOutput[];
		(spread.result as GenerationOutput[]).forEach((out, i) => expect(out.tokens, PROMPTS[i]).toEqual(spreadReference[i].tokens));

		// Pinned to fp32 with seeded sampling: both tabs and node draw the same tokens.
		const params = { max_tokens: 12, variant: 'fp32', temperature: 0.8, top_p: 0.9, seed: 1234 };
		const pinned = await finished(await submit('text_generation', 'demo-text-generation', PROMPTS, params));
		expect(new Set(pinned.tasks.map((t) => t.backend))).toEqual(new Set(['webgpu', 'wasm']));
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
		const files = [makePng(64, 48, 1), makeJpeg(40, 40, 2), makePng(17, 33, 3), makeJpeg(100, 60, 4), makePng(32, 32, 5), makeJpeg(31, 77, 6)];
		const refs: string[] = [];
		for (const [i, bytes] of files.entries()) {
			const res = await api(hub, '/api/images', { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': i % 2 ? 'image/jpeg' : 'image/png' } });
			expect(res.status).toBe(201);
			refs.push(((await res.json()) as { images: { ref: string }[] }).images[0].ref);
		}
		const { result, tasks } = await finished(await submit('image_classification', 'demo-image-classifier', refs, { top_k: 3 }));
		expect(new Set(tasks.map((t) => t.backend))).toEqual(new Set(['webgpu', 'wasm']));
		const expected = (await references('image_classification', 'demo-image-classifier', refs, tasks, { top_k: 3 })) as ClassificationOutput[];
		expectScoresClose(result as ClassificationOutput[], expected);

		// The form uploads images itself, then submits them as a job.
		const dir = tempDir('exostack-images-');
		const file = path.join(dir, 'cat.png');
		writeFileSync(file, makePng(50, 50, 9));
		const form = await cpu.newPage();
		await form.goto(`${hub.url}/jobs/new`);
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
});
