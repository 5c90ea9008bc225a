/**
 * What the dashboard tests check on any page: accessibility with axe-core (injected into the real
 * page), screenshots saved as test artifacts, and the main thread's long tasks.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const SCREENSHOTS = path.resolve('test-results/screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
	mkdirSync(SCREENSHOTS, { recursive: true });
	const file = path.join(SCREENSHOTS, `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}

interface AxeViolation {
	id: string;
	impact: string | null;
	help: string;
	nodes: { target: string[] }[];
}

/** Serious and critical axe violations (WCAG 2 A and AA rules), each as "rule: help (first targets)". */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
	const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
	// Evaluated through DevTools, not added as an inline <script>: the hub's CSP refuses inline scripts.
	await page.evaluate(`${readFileSync(axePath, 'utf8')}\n;undefined`);
	const violations = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
		const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
		return result.violations;
	});
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map(
			(v) =>
				`${v.id}: ${v.help} (${v.nodes
					.slice(0, 3)
					.map((n) => n.target.join(' '))
					.join(', ')})`
		);
}

/** Starts recording long tasks (PerformanceObserver 'longtask'); `read()` returns their durations in ms. */
export async function recordLongTasks(page: Page) {
	await page.evaluate(() => {
		const w = window as unknown as { __longTasks: number[] };
		w.__longTasks = [];
		new PerformanceObserver((list) => {
			for (const e of list.getEntries()) w.__longTasks.push(e.duration);
		}).observe({ type: 'longtask' });
	});
	return { read: () => page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks) };
}

export interface MainThreadTask {
	/** Wall-clock length, as the Long Tasks API reports it. */
	wallMs: number;
	/** The renderer main thread's own CPU time in the task: what the page's code cost, whatever else ran. */
	cpuMs: number;
}

/**
 * Records every task on the renderer main threads of `browser` with a Chrome trace; `read()` stops and
 * returns them. On a shared 2-core machine a task's wall time includes whatever the
 * OS gave other processes meanwhile (in the dashboard test: two hubs and a thousand socket clients),
 * so each task also carries its thread time, the part the page's own work took.
 */
export async function recordMainThreadTasks(browser: Browser, page: Page) {
	await browser.startTracing(page, { categories: ['toplevel', '__metadata'] });
	return {
		async read(): Promise<MainThreadTask[]> {
			const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
			const mains = new Set(
				trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`)
			);
			return trace.traceEvents
				.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`))
				.map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? e.dur ?? 0) / 1000 }));
		}
	};
}

interface TraceEvent {
	name: string;
	ph: string;
	pid: number;
	tid: number;
	dur?: number;
	tdur?: number;
	args?: { name?: string };
}

/**
 * Opens `url` and waits until the app has hydrated (the root layout marks <html data-hydrated>): a form
 * the server rendered shows before its handlers are attached, and a choice made in it before then is
 * lost (a model picked in the submit form did not show its image field).
 */
export async function gotoHydrated(page: Page, url: string): Promise<void> {
	await page.goto(url);
	await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 30_000 });
}
