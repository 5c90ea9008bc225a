/**
 * Attacks a browser would carry out for another site: a page on the same site (here another port of the
 * same host) frames the job page, where the API token is saved, and has the user click "Cancel job"; and
 * content sniffed into something it is not. The hub's answer is in its headers (CSP with
 * frame-ancestors 'none', nosniff, Referrer-Policy) on every response, and the pages still work under
 * that policy: no violation is reported and a volunteer tab computes with its module worker and WASM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { launchChromium } from '../harness/chromium';
import { runCheckedJob, sentences, waitConnected } from '../harness/volunteer-page';

let hub: HubProcess;
let browser: Browser;
let jobId: string;

beforeAll(async () => {
	[hub, browser] = await Promise.all([startHubProcess(), launchChromium({ webgpu: false })]);
	const submitted = await api(hub, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model: 'demo-embedding', input: ['x'] }
	});
	jobId = ((await submitted.json()) as { job_id: string }).job_id;
});
afterAll(async () => {
	await browser?.close();
	await hub?.stop();
});

/** The directives of a Content-Security-Policy header, by name. */
function directives(csp: string | null): Map<string, string[]> {
	return new Map(
		(csp ?? '')
			.split(';')
			.map((d) => d.trim().split(/\s+/))
			.filter((d) => d[0])
			.map(([name, ...values]) => [name, values])
	);
}

describe('framing the job page from another page of the same site', () => {
	it('is refused: the page does not render inside the frame, so there is nothing to click', async () => {
		const attacker = http.createServer((_req, res) => {
			res.setHeader('content-type', 'text/html');
			res.end(`<!doctype html><title>win a prize</title><iframe id="f" src="${hub.url}/jobs/${jobId}" width="800" height="600"></iframe>`);
		});
		await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
		const page = await browser.newPage();
		try {
			await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
			await page.waitForTimeout(3000);
			const framed = page.frames().find((f) => f !== page.mainFrame());
			expect(framed).toBeDefined();
			expect(await framed!.locator('[data-testid=cancel-job]').count()).toBe(0);
			expect(await framed!.locator('[data-testid=job-status]').count()).toBe(0);
		} finally {
			await page.close();
			attacker.close();
		}
		// The job is untouched, and the page still works where it belongs.
		expect(((await (await api(hub, `/api/jobs/${jobId}`)).json()) as { status: string }).status).toBe('queued');
	});
});

describe('security headers', () => {
	const pages = () => ['/', '/volunteer', '/dashboard', '/jobs/new', `/jobs/${jobId}`, '/leaderboard', '/models', '/no-such-page'];

	it('sends a CSP that forbids framing, plugins and inline script, on every page', async () => {
		for (const p of pages()) {
			const res = await fetch(`${hub.url}${p}`);
			expect(res.headers.get('content-type'), p).toMatch(/^text\/html/);
			const csp = directives(res.headers.get('content-security-policy'));
			expect(csp.get('frame-ancestors'), p).toEqual(["'none'"]);
			expect(csp.get('object-src'), p).toEqual(["'none'"]);
			expect(csp.get('script-src'), p).toContain("'wasm-unsafe-eval'");
			expect(csp.get('script-src'), p).not.toContain("'unsafe-inline'");
			expect(csp.get('script-src'), p).not.toContain("'unsafe-eval'");
			expect(csp.get('base-uri'), p).toBeDefined();
			expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
			expect(res.headers.get('referrer-policy'), p).toBe('same-origin');
			expect(res.headers.get('cross-origin-opener-policy'), p).toBe('same-origin');
			expect(res.headers.get('cross-origin-embedder-policy'), p).toBe('require-corp');
		}
	});

	it('sends nosniff and a CSP on API answers, assets, model files and the service worker too', async () => {
		const models = (await (await fetch(`${hub.url}/api/models`)).json()) as { files: { url: string }[] }[];
		const html = await (await fetch(`${hub.url}/volunteer`)).text();
		const asset = /\/_app\/immutable\/[^"]+\.js/.exec(html)![0];
		for (const [p, init] of [
			['/api/jobs', {}],
			['/api/health', {}],
			[asset, { headers: { 'accept-encoding': 'br' } }],
			[asset, {}],
			[models[0].files[0].url, {}],
			['/sw.js', {}],
			['/manifest.webmanifest', {}],
			['/api/jobs/not-a-job', {}]
		] as const) {
			const res = await fetch(new URL(p, hub.url), init);
			expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
			expect(directives(res.headers.get('content-security-policy')).get('frame-ancestors'), p).toEqual(["'none'"]);
		}
	});

	it('sends no CSP on a 304, so a page revalidated from the cache keeps its own policy with its script hash', async () => {
		const html = await (await fetch(`${hub.url}/volunteer`)).text();
		const asset = /\/_app\/immutable\/[^"]+\.js/.exec(html)![0];
		const first = await fetch(new URL(asset, hub.url));
		await first.arrayBuffer();
		const etag = first.headers.get('etag');
		expect(etag).toBeTruthy();
		const again = await fetch(new URL(asset, hub.url), { headers: { 'if-none-match': etag! } });
		expect(again.status).toBe(304);
		expect(again.headers.get('content-security-policy')).toBeNull();
		expect(again.headers.get('x-content-type-options')).toBe('nosniff');
	});

	it('lets every page run under it: no violation, and a volunteer tab computes in its module worker with WASM', async () => {
		const context = await browser.newContext();
		const violations: string[] = [];
		await context.addInitScript(() =>
			document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
		);
		const watch = (page: import('playwright-core').Page) =>
			page.on('console', (m) => {
				if (/Content Security Policy|CSP violation/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
			});
		try {
			for (const p of pages().filter((p) => p !== '/volunteer')) {
				const page = await context.newPage();
				watch(page);
				await page.goto(`${hub.url}${p}`, { waitUntil: 'networkidle' });
				await page.close();
			}
			const volunteer = await context.newPage();
			watch(volunteer);
			context.on('serviceworker', (w) => w.on('console', (m) => violations.push(`sw: ${m.text()}`)));
			await volunteer.goto(`${hub.url}/volunteer?mode=always&backend=wasm`);
			await waitConnected(volunteer);
			expect(await volunteer.evaluate(() => crossOriginIsolated)).toBe(true);
			await runCheckedJob(hub, 'demo-embedding', sentences(3));
			expect(Number(await volunteer.getByTestId('tasks-done').textContent())).toBeGreaterThan(0);
			expect(violations.filter((v) => /violation|Content Security Policy/i.test(v))).toEqual([]);
		} finally {
			await context.close();
		}
	});
});
