/**
 * Installing the volunteer app, in real headless Chromium against the production hub. With a profile on
 * disk the page is installable and Chromium sends a real `beforeinstallprompt`: the page keeps it and shows
 * its button. The button calls the event's prompt(); headless Chromium has no install dialog to show, so
 * the test wraps the real BeforeInstallPromptEvent.prototype.prompt to record the call instead of opening
 * one. Nor does headless Chromium install anything after it: the test dispatches `appinstalled` (a plain
 * Event in the spec, so the page gets the very kind of event a browser sends). Those two are the only
 * stand-ins. Browsers without the event (an incognito context never gets one, standing in for Safari
 * and Firefox, whose user agents it takes for the wording) get the hint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { launchChromium, launchPersistentChromium } from '../harness/chromium';
import { seriousAxeViolations } from '../harness/page-checks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('installing the volunteer app', () => {
	let hub: HubProcess;
	let context: BrowserContext;
	let browser: Browser;

	beforeAll(async () => {
		[hub, context, browser] = await Promise.all([
			startHubProcess(),
			launchPersistentChromium(tempDir('exostack-install-'), { webgpu: false }),
			launchChromium({ webgpu: false })
		]);
	});
	afterAll(async () => {
		await context?.close();
		await browser?.close();
		await hub?.stop();
	});

	it('shows the install button when Chromium offers installation, prompts from it, and notes the install', async () => {
		const page = await context.newPage();
		await page.addInitScript(() => {
			const w = window as unknown as { __prompts: number; __prevented: boolean[] };
			w.__prompts = 0;
			w.__prevented = [];
			const proto = (globalThis as unknown as { BeforeInstallPromptEvent: { prototype: { prompt(): Promise<void> } } })
				.BeforeInstallPromptEvent.prototype;
			proto.prompt = async () => void w.__prompts++;
			// Read after the page's own listener ran (this one is added first, so it runs first: check on the next task).
			addEventListener('beforeinstallprompt', (e) => setTimeout(() => w.__prevented.push(e.defaultPrevented)));
		});
		await page.goto(`${hub.url}/volunteer`);
		await page.getByTestId('install-button').waitFor({ timeout: 60_000 });
		expect(await page.evaluate(() => (window as unknown as { __prevented: boolean[] }).__prevented)).toContain(true);
		expect(await page.getByTestId('install-hint').count()).toBe(0);
		expect(await seriousAxeViolations(page)).toEqual([]);
		await page.getByTestId('install-button').click();
		await expect.poll(() => page.evaluate(() => (window as unknown as { __prompts: number }).__prompts)).toBe(1);
		await expect.poll(() => page.getByTestId('install-button').count()).toBe(0);

		await page.evaluate(() => dispatchEvent(new Event('appinstalled')));
		await expect.poll(() => page.getByTestId('install-note').textContent(), { timeout: 30_000 }).toMatch(/^ExoStack is installed/);
	});

	it('keeps an offer Chromium makes before the page has hydrated', async () => {
		// The page's scripts held back for three seconds, as on a slow link or a busy machine: Chromium's
		// installability check ends first (under a second after load here), before the page has hydrated and
		// listened. Only the scripts: its stylesheets hold the load event, after which the check runs. A fresh
		// profile, so no service worker serves the scripts past the hold and the offer is made on this load.
		const slow = await launchPersistentChromium(tempDir('exostack-install-slow-'), { webgpu: false });
		try {
			const page = await slow.newPage();
			await page.addInitScript(() => {
				const w = window as unknown as { __offeredAt: number | null; __listenedAt: number[] };
				w.__offeredAt = null;
				w.__listenedAt = [];
				addEventListener('beforeinstallprompt', () => (w.__offeredAt ??= performance.now()));
				// When the page's own scripts listen for the offer (the last to do so is the install panel).
				const listen = window.addEventListener;
				window.addEventListener = function (this: Window, ...args: Parameters<typeof listen>) {
					if ((args[0] as string) === 'beforeinstallprompt') w.__listenedAt.push(performance.now());
					return listen.apply(this, args);
				} as typeof listen;
			});
			await page.route(/\/_app\/immutable\/.+\.js$/, async (route) => {
				await sleep(3000);
				await route.continue();
			});
			await page.goto(`${hub.url}/volunteer`);
			await page.getByTestId('install-button').waitFor({ timeout: 60_000 });
			const { offeredAt, listenedAt } = await page.evaluate(() => {
				const w = window as unknown as { __offeredAt: number | null; __listenedAt: number[] };
				return { offeredAt: w.__offeredAt, listenedAt: w.__listenedAt };
			});
			// The race did happen: the offer came before the install panel listened.
			expect(offeredAt).not.toBeNull();
			expect(offeredAt!).toBeLessThan(Math.max(...listenedAt));
			expect(await page.getByTestId('install-hint').count()).toBe(0);
		} finally {
			await slow.close();
		}
	});

	it('says it runs as the installed app, with no button or hint', async () => {
		// Chromium cannot be put in display-mode standalone from here (CDP's media emulation ignores the
		// feature); iOS Safari's own sign of a home-screen app, navigator.standalone, is set instead.
		const app = await browser.newContext();
		await app.addInitScript(() => Object.defineProperty(navigator, 'standalone', { value: true }));
		const page = await app.newPage();
		await page.goto(`${hub.url}/volunteer`);
		await expect
			.poll(() => page.getByTestId('install-note').textContent(), { timeout: 30_000 })
			.toBe('Running as the installed ExoStack app.');
		await sleep(3500); // past the wait for an install offer: still no hint
		expect(await page.getByTestId('install-hint').count()).toBe(0);
		expect(await page.getByTestId('install-button').count()).toBe(0);
		await app.close();
	});

	it('gives Firefox and Safari users a hint in their browser’s terms instead', async () => {
		const hints = {
			'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0': /Firefox on a computer cannot install web apps/,
			'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15':
				/File → “Add to Dock”/,
			'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1':
				/tap Share, then “Add to Home Screen”/
		};
		for (const [userAgent, hint] of Object.entries(hints)) {
			const incognito = await browser.newContext({ userAgent });
			const page = await incognito.newPage();
			await page.goto(`${hub.url}/volunteer`);
			await expect.poll(() => page.getByTestId('install-hint').textContent(), { timeout: 30_000 }).toMatch(hint);
			expect(await page.getByTestId('install-button').count()).toBe(0);
			await incognito.close();
		}
	});
});
