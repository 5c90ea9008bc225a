/**
 * The owner's controls on the volunteer page, in real headless Chromium against the production hub, as
 * readiness.test.ts drives readiness: Compute Pressure through its CDP override, Save-Data through
 * `Emulation.setDataSaverOverride` (the real `navigator.connection.saveData` the page reads), the
 * controls through the page's own inputs. Each control that stops work is shown to stop it (the hub
 * leases nothing while it holds), names its reason on the readiness panel, and lets work through again
 * once lifted. The GPU switch runs on SwiftShader's software WebGPU, so "off" is a real change of backend.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { launchChromium } from '../harness/chromium';
import { sentences, submitJob, waitConnected, waitForJob } from '../harness/volunteer-page';
import { seriousAxeViolations } from '../harness/page-checks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

describe('the owner’s controls', () => {
	let hub: HubProcess;
	let browser: Browser;
	const contexts: BrowserContext[] = [];
	const jobs: string[] = [];

	beforeAll(async () => {
		[hub, browser] = await Promise.all([
			startHubProcess({ env: { EXOSTACK_TAIL_SECONDS: '3600', EXOSTACK_HEARTBEAT_SECONDS: '2' } }),
			launchChromium({ webgpu: true })
		]);
	});
	afterEach(async () => {
		for (const c of contexts.splice(0)) await c.close().catch(() => {});
		for (const id of jobs.splice(0)) await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});
	afterAll(async () => {
		await browser?.close();
		await hub?.stop();
	});

	/** A volunteer tab in a fresh profile (nothing cached), pressure under the test's control. */
	async function volunteer(query = 'backend=wasm') {
		const context = await browser.newContext();
		contexts.push(context);
		const page = await context.newPage();
		page.on('pageerror', (e) => console.error(`[volunteer tab] ${e.message}`));
		const cdp = await context.newCDPSession(page);
		await cdp.send('Emulation.setPressureSourceOverrideEnabled', { enabled: true, source: 'cpu' });
		await cdp.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'nominal' });
		await page.goto(`${hub.url}/volunteer?mode=always&resume_delay=1&${query}`);
		await waitConnected(page);
		return { page, cdp };
	}

	const submit = async (n: number, salt: number) => {
		const id = await submitJob(hub, 'demo-embedding', sentences(n, salt), n);
		jobs.push(id);
		return id;
	};
	const states = async (id: string) =>
		((await (await api(hub, `/api/jobs/${id}/tasks`)).json()) as { state: string }[]).map((t) => t.state);
	/** Waits long enough for a ready volunteer to have been leased the job (it asks every few seconds), then checks it was not. */
	async function expectNotLeased(id: string) {
		await sleep(4000);
		expect(await states(id)).toEqual(['queued']);
	}
	const text = async (page: Page, id: string) => (await page.getByTestId(id).textContent()) ?? '';
	const setInput = async (page: Page, id: string, value: string) => {
		await page.getByTestId(id).fill(value);
		await page.getByTestId(id).dispatchEvent('change');
	};
	/** The page says the owner's choices are on disk: a reload or a closed browser before that could lose the last one. */
	const settingsSaved = (page: Page) => expect.poll(() => page.getByTestId('settings-saved').getAttribute('data-state')).toBe('saved');

	it('computes only within the weekly schedule and under the heat limit, naming what stops it', async () => {
		const { page, cdp } = await volunteer();
		const today = DAYS[await page.evaluate(() => new Date().getDay())];
		expect(await page.getByTestId(`hours-${today}`).inputValue()).toBe('any');
		await setInput(page, `hours-${today}`, 'off');
		await expect.poll(() => text(page, 'blockers')).toContain(`outside your schedule (${today} off)`);
		const first = await submit(4, 1);
		await expectNotLeased(first);
		await setInput(page, `hours-${today}`, 'any');
		await waitForJob(hub, first);

		await page.getByTestId('heat-limit').selectOption('serious');
		await cdp.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'serious' });
		await expect.poll(() => text(page, 'blockers')).toContain('heat limit: compute pressure is serious');
		const second = await submit(4, 2);
		await expectNotLeased(second);
		await cdp.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'fair' });
		await waitForJob(hub, second);
		expect(await seriousAxeViolations(page)).toEqual([]);
	});

	it('loads the hours an older version saved into the weekly table, and keeps the choices made in it', async () => {
		const { page } = await volunteer();
		// What the previous version wrote (idb-keyval's default store): one span for every day.
		await page.evaluate(
			() =>
				new Promise<void>((resolve, reject) => {
					const open = indexedDB.open('keyval-store');
					open.onsuccess = () => {
						const tx = open.result.transaction('keyval', 'readwrite');
						tx.objectStore('keyval').put({ mode: 'always', hours: { from: 22, to: 6 }, maxCpu: 0.5 }, 'exostack:settings');
						tx.oncomplete = () => resolve();
						tx.onerror = () => reject(tx.error);
					};
					open.onerror = () => reject(open.error);
				})
		);
		await page.reload();
		await waitConnected(page);
		for (const day of DAYS) await expect.poll(() => page.getByTestId(`hours-${day}`).inputValue()).toBe('22:00-06:00');
		await setInput(page, 'hours-Sat', '9-17');
		await settingsSaved(page);
		await page.reload();
		await waitConnected(page);
		await expect.poll(() => page.getByTestId('hours-Sat').inputValue()).toBe('09:00-17:00');
		expect(await page.getByTestId('hours-Sun').inputValue()).toBe('22:00-06:00');
	});

	it('serves only the models the owner keeps, and downloads none past the limit unless cached', async () => {
		const { page } = await volunteer();
		const embedding = page.locator('[data-testid="serve-model"][value="demo-embedding"]');
		await embedding.uncheck();
		await expect.poll(() => text(page, 'model-limits')).toMatch(/serving only (?!.*demo-embedding)/);
		const first = await submit(3, 3);
		await expectNotLeased(first);

		// Served again, but nothing is cached yet: a limit of one byte refuses the model's download.
		await setInput(page, 'max-download', '0.000001');
		await embedding.check();
		await expect.poll(() => text(page, 'model-limits')).toBe('Models: model downloads up to 0.000001 MB.');
		await expectNotLeased(first);
		await setInput(page, 'max-download', '0');
		await waitForJob(hub, first);
		// Its files are cached now: the same limit lets its tasks through, downloading nothing.
		await setInput(page, 'max-download', '0.000001');
		await waitForJob(hub, await submit(3, 4));
	});

	it('downloads no model while the browser asks to save data, unless the owner allows it', async () => {
		const { page, cdp } = await volunteer();
		await cdp.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
		await expect
			.poll(() => text(page, 'model-limits'))
			.toContain('model downloads paused: the browser asks to save data (cached models still run)');
		const id = await submit(3, 5);
		await expectNotLeased(id);
		await page.getByTestId('allow-metered').check();
		await waitForJob(hub, id);
	});

	it('turns the GPU off: the worker runs WASM and the hub hears of no WebGPU, also after a reload', async () => {
		const { page } = await volunteer('');
		await expect.poll(() => text(page, 'backend'), { timeout: 60_000 }).toBe('webgpu');
		const node = async () => {
			const id = await text(page, 'volunteer-id');
			const nodes = (await (await api(hub, '/api/nodes')).json()) as {
				node_id: string;
				backend: string;
				webgpu: unknown;
				connections: number;
			}[];
			return nodes.find((n) => n.node_id === id);
		};
		await expect.poll(node).toMatchObject({ backend: 'webgpu', webgpu: expect.anything() });
		await page.getByTestId('use-gpu').uncheck();
		await expect.poll(() => text(page, 'backend'), { timeout: 60_000 }).toMatch(/^wasm · \d+ thr$/);
		await waitConnected(page);
		await expect.poll(node, { timeout: 20_000 }).toMatchObject({ backend: 'wasm', webgpu: null, connections: 1 });
		await waitForJob(hub, await submit(3, 6));
		await settingsSaved(page);
		await page.reload();
		await waitConnected(page);
		await expect.poll(() => text(page, 'backend'), { timeout: 60_000 }).toMatch(/^wasm · \d+ thr$/);
		expect(await page.getByTestId('use-gpu').isChecked()).toBe(false);
	});
});
