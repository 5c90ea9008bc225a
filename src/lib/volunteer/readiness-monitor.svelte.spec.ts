/** In real Chromium: the page's visibility, input and battery as the monitor reads them, timed by the clock it is given. */
import { afterEach, describe, expect, it } from 'vitest';
import { ReadinessMonitor } from './readiness-monitor.svelte';
import { DEFAULT_SETTINGS } from './settings';
import { ManualClock } from './testing';

function hide(hidden: boolean) {
	if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
	else delete (document as { visibilityState?: unknown }).visibilityState;
	document.dispatchEvent(new Event('visibilitychange'));
}

const monitors: ReadinessMonitor[] = [];
afterEach(() => {
	monitors.splice(0).forEach((m) => m.stop());
	hide(false);
});

function monitor(mode: 'auto' | 'always' | 'paused' = 'auto') {
	let changes = 0;
	const m = new ReadinessMonitor(
		() => ({ ...DEFAULT_SETTINGS, idleDuration: 1 }),
		() => mode,
		() => changes++
	);
	monitors.push(m);
	return { m, changes: () => changes };
}

describe('ReadinessMonitor', () => {
	it('builds the report the hub hears once per assessment, not on every read', async () => {
		const { m } = monitor();
		const before = m.readiness;
		expect(m.readiness).toBe(before);
		const clock = new ManualClock();
		await m.start(clock);
		const first = m.readiness;
		expect(first).not.toBe(before);
		expect(m.readiness).toBe(first);
		await clock.advance(1000);
		expect(m.readiness).not.toBe(first);
	});

	it('counts the owner away once the tab has been hidden for idle_duration, seen at the next tick of its clock', async () => {
		const { m } = monitor();
		const clock = new ManualClock();
		await m.start(clock);
		expect(m.readiness.idle).toMatchObject({ state: 'active', source: 'page' });
		hide(true);
		expect(m.readiness.idle?.state).toBe('active');
		await new Promise((r) => setTimeout(r, 1100));
		// The tick that notices comes from the clock it was given (a sensor event, such as a pressure change, may notice first).
		await clock.advance(1000);
		expect(m.readiness.idle).toMatchObject({ state: 'idle', source: 'page' });
		expect(m.readiness.idle!.seconds).toBeGreaterThanOrEqual(1);
		hide(false);
		expect(m.readiness.idle?.state).toBe('active');
	});

	it('is never ready while paused, and says why', async () => {
		const { m } = monitor('paused');
		await m.start(new ManualClock());
		expect(m.readiness.ready).toBe(false);
		expect(m.assessment?.blockers[0]).toBe('paused by the owner');
	});

	it('ticks on its clock, and stops when stopped', async () => {
		const { m } = monitor();
		const clock = new ManualClock();
		await m.start(clock);
		expect(clock.pending).toBe(1);
		m.stop();
		expect(clock.pending).toBe(0);
	});
});
