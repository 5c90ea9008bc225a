/**
 * The owner's controls in real Chromium, driven through the browser's own APIs over CDP (as
 * tests/e2e/readiness.test.ts does): the heat limit against Compute Pressure, and the Save-Data flag
 * of the Network Information API against the model download limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cdp } from 'vitest/browser';
import { ReadinessMonitor } from './readiness-monitor.svelte';
import { DEFAULT_SETTINGS, type VolunteerSettings } from './settings';
import { currentModelLimits, modelLimitNotes } from './model-limits';
import { ManualClock } from './testing';

const monitors: ReadinessMonitor[] = [];
afterEach(async () => {
	monitors.splice(0).forEach((m) => m.stop());
	await cdp().send('Emulation.setDataSaverOverride', {});
});

async function monitor(settings: Partial<VolunteerSettings>) {
	const m = new ReadinessMonitor(
		() => ({ ...DEFAULT_SETTINGS, resumeDelay: 0, ...settings }),
		() => 'always',
		() => {}
	);
	monitors.push(m);
	await m.start(new ManualClock());
	return m;
}

const until = async (check: () => boolean) => {
	for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('the owner’s controls', () => {
	it('stops at serious CPU pressure under the heat limit, even in always mode, and says why', async () => {
		await cdp().send('Emulation.setPressureSourceOverrideEnabled', { enabled: true, source: 'cpu' });
		await cdp().send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'nominal' });
		const limited = await monitor({ heatLimit: 'serious' });
		const builtIn = await monitor({});
		await until(() => limited.pressure.value === 'nominal');
		expect(limited.readiness.ready).toBe(true);
		await cdp().send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'serious' });
		await until(() => limited.pressure.value === 'serious' && builtIn.pressure.value === 'serious');
		expect(limited.readiness.ready).toBe(false);
		expect(limited.assessment?.blockers).toEqual(['heat limit: compute pressure is serious']);
		expect(builtIn.readiness.ready).toBe(true);
		await cdp().send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'fair' });
		await until(() => limited.pressure.value === 'fair');
		expect(limited.readiness.ready).toBe(true);
		await cdp().send('Emulation.setPressureSourceOverrideEnabled', { enabled: false, source: 'cpu' });
	});

	it('pauses model downloads while the browser asks to save data, unless the owner allows them', async () => {
		const m = await monitor({});
		expect(m.network.available).toBe(true);
		expect(m.network.value).toBeNull();
		const limits = { models: null, maxDownloadMb: 0, allowMetered: false };
		expect(await currentModelLimits(limits, m.network.value)).toBeUndefined();
		await cdp().send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
		await until(() => m.network.value !== null);
		expect(m.network.value).toBe('save-data');
		expect(await currentModelLimits(limits, m.network.value)).toEqual({ maxDownloadBytes: 0, cached: [] });
		expect(modelLimitNotes(limits, m.network.value)).toEqual([
			'model downloads paused: the browser asks to save data (cached models still run)'
		]);
		const allowed = { models: ['demo-embedding'], maxDownloadMb: 50, allowMetered: true };
		expect(await currentModelLimits(allowed, m.network.value)).toEqual({ only: ['demo-embedding'], maxDownloadBytes: 50e6, cached: [] });
		expect(modelLimitNotes(allowed, m.network.value)).toEqual(['serving only demo-embedding', 'model downloads up to 50 MB']);
	});
});
