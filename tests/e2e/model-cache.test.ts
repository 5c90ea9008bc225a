/**
 * Model files in the volunteer's own cache, in real Chromium against the production hub, with the bytes
 * counted where they leave: the hub's /metrics. A model is downloaded once per volunteer (two tabs
 * share one download; a reload downloads nothing), a tampered cached file is caught by its sha256,
 * deleted and fetched again (never run), and the cache keeps to its budget by evicting the least
 * recently used model. The volunteer's downloads bypass the HTTP cache, so nothing but the model cache
 * could explain a download that never reaches the hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { launchPersistentChromium } from '../harness/chromium';
import { activityLog, bytesSent, modelFiles, openVolunteer, runCheckedJob, sentences, type ModelFileView } from '../harness/volunteer-page';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';

const CACHE = 'exostack-models';

/** The cache's entries as the page sees them: sha256 → sha256 of the stored bytes. */
function cachedFiles(page: Page): Promise<Record<string, string>> {
	return page.evaluate(async (name) => {
		const cache = await caches.open(name);
		const out: Record<string, string> = {};
		for (const request of await cache.keys()) {
			const bytes = await (await cache.match(request))!.arrayBuffer();
			const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
			out[request.url.split('/').pop()!] = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
		}
		return out;
	}, CACHE);
}

describe('model files in the volunteer cache', () => {
	let hub: HubProcess;
	let context: BrowserContext;
	let demo: ModelFileView[];
	const onnx = () => demo.find((f) => f.path === 'onnx/model.onnx')!;
	const sent = async (files: ModelFileView[]) => Promise.all(files.map((f) => bytesSent(hub, f.sha256)));

	beforeAll(async () => {
		[hub, context] = await Promise.all([startHubProcess(), launchPersistentChromium(tempDir('exostack-profile-'), { webgpu: false })]);
		demo = await modelFiles(hub, 'demo-embedding');
		expect(demo).toHaveLength(3);
	});
	afterAll(async () => {
		await context?.close();
		await hub?.stop();
	});

	it('downloads a model once per volunteer: two tabs share one download, and a reload downloads nothing', async () => {
		expect(await sent(demo)).toEqual([0, 0, 0]);
		const [a, b] = await Promise.all([openVolunteer(context, hub), openVolunteer(context, hub)]);
		// Eight one-input tasks: both tabs lease at once, so both workers ask for the model at the same time.
		await runCheckedJob(hub, 'demo-embedding', sentences(8), 1);
		expect(Number(await a.getByTestId('tasks-done').textContent())).toBeGreaterThan(0);
		expect(Number(await b.getByTestId('tasks-done').textContent())).toBeGreaterThan(0);
		// Every file crossed the network exactly once for the two tabs.
		expect(await sent(demo)).toEqual(demo.map((f) => f.size));
		expect(Object.keys(await cachedFiles(a)).sort()).toEqual(demo.map((f) => f.sha256).sort());
		await expect.poll(() => a.getByTestId('model-cache').textContent()).toMatch(/in 3 files, budget/);
		expect(await a.getByTestId('storage-usage').textContent()).toMatch(/used of .+ allowed/);

		// New page loads, new workers: the model comes from the cache, verified, and no byte of it from the hub.
		await b.close();
		await a.reload();
		await expect.poll(() => a.getByTestId('connection').textContent(), { timeout: 60_000 }).toBe('Connected');
		await runCheckedJob(hub, 'demo-embedding', sentences(6, 1), 3);
		expect(await sent(demo)).toEqual(demo.map((f) => f.size));
		expect(await activityLog(a)).toContain('onnx/model.onnx: from the model cache, verified');
		await a.close();
	});

	it('shows a large download in progress', async () => {
		// The demo model is under a megabyte; the hub's own loopback sends it in one burst, so throttle the link.
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await page.goto(`${hub.url}/volunteer`);
		await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 60_000 }).toBe('Connected');
		await page.evaluate(async (name) => caches.delete(name), CACHE);
		await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 200_000, uploadThroughput: -1 });
		const job = runCheckedJob(hub, 'demo-embedding', sentences(2, 2));
		await expect
			.poll(() => page.getByTestId('download-progress').textContent(), { timeout: 60_000 })
			.toMatch(/^Downloading onnx\/model\.onnx: \d+(\.\d)? KB of 839 KB$/);
		await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
		await job;
		await expect.poll(() => page.getByTestId('download-progress').count()).toBe(0);
		await page.close();
	});

	it('detects a tampered cached file, deletes it and fetches it again: the task never runs the bad copy', async () => {
		const page = await openVolunteer(context, hub);
		const url = `${hub.url}/blobs/${onnx().sha256}`;
		// Flip one byte in the middle of the weights, keeping the size: only the digest can tell.
		await page.evaluate(
			async ({ name, url }) => {
				const cache = await caches.open(name);
				const original = (await cache.match(url))!;
				const bytes = new Uint8Array(await original.arrayBuffer());
				bytes[bytes.length >> 1] ^= 0xff;
				await cache.put(url, new Response(bytes, { headers: original.headers }));
			},
			{ name: CACHE, url }
		);
		expect((await cachedFiles(page))[onnx().sha256]).not.toBe(onnx().sha256);
		const before = await bytesSent(hub, onnx().sha256);

		await runCheckedJob(hub, 'demo-embedding', sentences(5, 3)); // vectors equal onnxruntime-node's: the good copy ran
		expect(await bytesSent(hub, onnx().sha256)).toBe(before + onnx().size);
		expect(await activityLog(page)).toContain('onnx/model.onnx: the cached copy failed verification; deleted, fetching it again');
		expect((await cachedFiles(page))[onnx().sha256]).toBe(onnx().sha256);
		await page.close();
	});

	it('keeps to its budget by evicting the least recently used model', async () => {
		const dir = tempDir('exostack-hf-');
		await writeModelFolder(dir, { layout: 'sentence-transformers', size: 'demo', seed: 11 });
		expect((await api(hub, '/api/models', { method: 'POST', json: { path: dir, id: 'acme/minilm-like' } })).status).toBe(201);
		const other = await modelFiles(hub, 'acme/minilm-like');
		const otherOnnx = other.find((f) => f.path === 'onnx/model.onnx')!;
		// Room for one model (the two share their tokenizer files), not for both.
		const shared = demo.filter((f) => f.path !== 'onnx/model.onnx').reduce((n, f) => n + f.size, 0);
		const budget = shared + Math.max(onnx().size, otherOnnx.size) + 10_000;
		expect(shared + onnx().size + otherOnnx.size).toBeGreaterThan(budget);

		const page = await openVolunteer(context, hub, `?model_budget_mb=${budget / 1e6}`);
		await expect.poll(() => page.getByTestId('model-cache').textContent()).toMatch(/in 3 files/);
		await runCheckedJob(hub, 'acme/minilm-like', sentences(4, 4));
		let cached = Object.keys(await cachedFiles(page));
		expect(cached).toContain(otherOnnx.sha256);
		expect(cached).not.toContain(onnx().sha256); // the older model went
		expect(await activityLog(page)).toContain(`evicted the least recently used model file ${onnx().sha256.slice(0, 12)}`);

		const before = await bytesSent(hub, onnx().sha256);
		await runCheckedJob(hub, 'demo-embedding', sentences(4, 5));
		expect(await bytesSent(hub, onnx().sha256)).toBe(before + onnx().size); // evicted, so downloaded again
		cached = Object.keys(await cachedFiles(page));
		expect(cached).toContain(onnx().sha256);
		expect(cached).not.toContain(otherOnnx.sha256);
		const total = [...demo, otherOnnx].filter((f) => cached.includes(f.sha256)).reduce((n, f) => n + f.size, 0);
		expect(total).toBeLessThanOrEqual(budget);
		await page.close();
	});
});
