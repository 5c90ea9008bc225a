/**
 * What the PWA and model-cache tests do to a volunteer page and its hub, in one place: open the page and
 * wait for it to connect, submit a job and wait for it, read the model's files and the hub's byte counts.
 */
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, metric, type HubProcess } from './hub-process';
import { maxAbsDiff, nodeReference } from './reference';

export interface ModelFileView {
	path: string;
	sha256: string;
	size: number;
}

/** The files a volunteer reads to run an embedding model. */
export const VOLUNTEER_READS = ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'];

export async function openVolunteer(context: BrowserContext, hub: Pick<HubProcess, 'url'>, query = ''): Promise<Page> {
	const page = await context.newPage();
	page.on('pageerror', (e) => console.error(`[volunteer tab] ${e.message}`));
	await page.goto(`${hub.url}/volunteer${query}`);
	await waitConnected(page);
	return page;
}

export async function waitConnected(page: Page, timeout = 60_000) {
	await expect.poll(() => page.getByTestId('connection').textContent(), { timeout }).toBe('Connected');
}

export async function modelFiles(hub: Pick<HubProcess, 'url'>, modelId: string): Promise<ModelFileView[]> {
	const view = (await (await fetch(`${hub.url}/api/models/${modelId}`)).json()) as { files: ModelFileView[] };
	return view.files.filter((f) => VOLUNTEER_READS.includes(f.path));
}

/** Bytes of one model file the hub has sent, as its /metrics counts them. */
export function bytesSent(hub: Pick<HubProcess, 'url'>, sha256: string): Promise<number> {
	return metric(hub, 'exostack_blob_bytes_sent_total', { sha256 });
}

export function sentences(n: number, salt = 0, words = 8): string[] {
	const vocab = 'the quick brown fox jumps over a lazy dog while people read books about science music and history'.split(' ');
	return Array.from(
		{ length: n },
		(_, i) => Array.from({ length: words + ((i + salt) % 5) }, (_, k) => vocab[(i * 7 + k * 3 + salt) % vocab.length]).join(' ') + ` ${i}`
	);
}

export async function submitJob(hub: HubProcess, model: string, inputs: string[], chunkSize?: number): Promise<string> {
	const response = await api(hub, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model, input: inputs, chunk_size: chunkSize }
	});
	expect(response.status).toBe(201);
	return ((await response.json()) as { job_id: string }).job_id;
}

export async function waitForJob(hub: HubProcess, id: string, timeout = 180_000): Promise<number[][]> {
	await expect.poll(async () => (await (await api(hub, `/api/jobs/${id}`)).json()).status, { timeout, interval: 300 }).toBe('completed');
	return ((await (await api(hub, `/api/jobs/${id}`)).json()) as { result: number[][] }).result;
}

/**
 * Submits a job, waits for it and checks every vector against onnxruntime-node's (reading the model from
 * the hub's disk, so the hub's byte counts are the volunteers' alone).
 */
export async function runCheckedJob(hub: HubProcess, model: string, inputs: string[], chunkSize?: number): Promise<string> {
	const id = await submitJob(hub, model, inputs, chunkSize);
	const result = await waitForJob(hub, id);
	const reference = await nodeReference(hub.url, model, hub.dataDir);
	try {
		const expected = await reference.embed(inputs);
		expect(result).toHaveLength(inputs.length);
		expect(Math.max(...result.map((v, i) => maxAbsDiff(v, expected[i])))).toBeLessThan(1e-4);
	} finally {
		await reference.release();
	}
	return id;
}

export async function activityLog(page: Page): Promise<string> {
	return (await page.locator('.log').textContent()) ?? '';
}
