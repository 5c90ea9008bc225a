/**
 * A volunteer tab that has been hidden for a long while, as Chrome treats it: its main-thread timers
 * wake at most once a minute (intensive wake-up throttling, which Chrome applies to a page hidden for
 * five minutes). Headless Chromium never hides a tab (switching tabs or minimising its window leaves
 * `visibilityState` 'visible', and its timers unthrottled), so real throttling cannot be triggered in a
 * test. This stands in for it, installed before the page's own scripts: every setTimeout and
 * setInterval of the page goes through one queue that, once `__hideTab()` is called, runs only at
 * wake-ups aligned to whole minutes of the page's clock, as Chrome aligns them.
 *
 * It treats every timer as chained. Chrome throttles only timers nested five or more deep (a
 * setInterval after its fifth run, a setTimeout set from a timer's callback four deep), leaving others
 * at one wake-up a second; so this is at least as hard as Chrome, never gentler. Dedicated workers are
 * untouched, as in Chrome: an init script runs in pages, not in workers.
 */
import type { Page } from 'playwright-core';

/** Runs in the page, before its scripts (page.addInitScript): self-contained, no closures over this module. */
export function throttleableTimers(wakeEveryMs: number) {
	type Timer = { due: number; fn: unknown; args: unknown[]; period: number | null };
	const nativeSet: (fn: () => void, ms: number) => number = window.setTimeout.bind(window);
	const nativeClear: (handle: number) => void = window.clearTimeout.bind(window);
	const timers = new Map<number, Timer>();
	let nextId = 1;
	let hidden = false;
	let wake: { handle: number; at: number } | null = null;

	const wakeFor = (due: number) => (hidden ? Math.ceil(due / wakeEveryMs) * wakeEveryMs : due);
	function schedule() {
		let earliest = Infinity;
		for (const t of timers.values()) earliest = Math.min(earliest, t.due);
		if (earliest === Infinity) return;
		const at = wakeFor(earliest);
		if (wake && wake.at <= at) return;
		if (wake) nativeClear(wake.handle);
		wake = { handle: nativeSet(run, Math.max(0, at - performance.now())), at };
	}
	function run() {
		wake = null;
		const now = performance.now();
		const due = [...timers.entries()].filter(([, t]) => t.due <= now).sort((a, b) => a[1].due - b[1].due);
		for (const [id, t] of due) {
			if (timers.get(id) !== t) continue; // cleared by a callback that ran before it
			if (t.period === null) timers.delete(id);
			else t.due = Math.max(t.due + t.period, now + 1);
			try {
				if (typeof t.fn === 'function') t.fn(...t.args);
			} catch (e) {
				reportError(e);
			}
		}
		schedule();
	}
	function add(fn: unknown, ms: unknown, args: unknown[], repeat: boolean) {
		const delay = Math.max(0, Number(ms) || 0);
		const id = nextId++;
		timers.set(id, { due: performance.now() + delay, fn, args, period: repeat ? Math.max(delay, 1) : null });
		schedule();
		return id;
	}
	const clear = (id?: number) => void (id !== undefined && timers.delete(id));
	Object.assign(window, {
		setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, false),
		setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, true),
		clearTimeout: clear,
		clearInterval: clear,
		/** The owner switched away long ago: the tab is hidden, and its timers throttled from now on. */
		__hideTab() {
			hidden = true;
			Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
			Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
			document.dispatchEvent(new Event('visibilitychange'));
			if (wake) nativeClear(wake.handle);
			wake = null;
			schedule();
		}
	});
}

export const WAKE_EVERY_MS = 60_000;

/** Installs the stand-in in every page of `page`'s context opened from now on (call before page.goto). */
export async function throttleWhenHidden(page: Page) {
	await page.addInitScript(throttleableTimers, WAKE_EVERY_MS);
}

/** Hides the tab: from now on its main-thread timers wake at most once a minute. */
export async function hideTab(page: Page) {
	await page.evaluate(() => (window as unknown as { __hideTab(): void }).__hideTab());
}
