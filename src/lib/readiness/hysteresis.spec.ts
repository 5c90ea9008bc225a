import { describe, expect, it } from 'vitest';
import { assessReadiness, bandWithHysteresis, passesThreshold, type ReadinessMemory } from './hysteresis';
import type { ReadinessSignals } from './score';
import { awaySignals } from './testing';

const config = { resumeDelaySeconds: 10 };

/** Feeds a sequence of (seconds, signals) through the assessment, carrying its memory. */
function run(steps: [number, Partial<ReadinessSignals>][], cfg: typeof config & { heatLimit?: 'serious' } = config) {
	let memory: ReadinessMemory | null = null;
	return steps.map(([t, over]) => {
		const a = assessReadiness(awaySignals(over), cfg, memory, t * 1000);
		memory = a.memory;
		return a;
	});
}

describe('bandWithHysteresis', () => {
	it('rises at each edge and falls only 5 below it', () => {
		expect(bandWithHysteresis(80, 'moderate')).toBe('heavy');
		expect(bandWithHysteresis(79, 'moderate')).toBe('moderate');
		expect(bandWithHysteresis(75, 'heavy')).toBe('heavy');
		expect(bandWithHysteresis(74, 'heavy')).toBe('moderate');
		expect(bandWithHysteresis(55, 'moderate')).toBe('moderate');
		expect(bandWithHysteresis(54, 'moderate')).toBe('light');
		expect(bandWithHysteresis(35, 'light')).toBe('light');
		expect(bandWithHysteresis(34, 'light')).toBe('none');
		expect(bandWithHysteresis(40, 'none')).toBe('light');
		expect(bandWithHysteresis(39, 'none')).toBe('none');
		expect(bandWithHysteresis(50, 'heavy')).toBe('light');
		expect(bandWithHysteresis(57, null)).toBe('light');
	});
});

describe('passesThreshold', () => {
	it('opens at the threshold and closes below threshold − 5', () => {
		expect(passesThreshold(60, 60, false)).toBe(true);
		expect(passesThreshold(59, 60, false)).toBe(false);
		expect(passesThreshold(55, 60, true)).toBe(true);
		expect(passesThreshold(54, 60, true)).toBe(false);
	});
});

describe('assessReadiness', () => {
	it('starts at once the first time, with the tier limits', () => {
		const [a] = run([[0, {}]]);
		expect(a).toMatchObject({ ready: true, score: 100, band: 'heavy', tier: 'plugged', limits: { concurrent: 5, maxCpu: 0.9 } });
	});

	it('stops at once when the owner returns and resumes only after the delay', () => {
		const [, back, gone, early, late] = run([
			[0, {}],
			[5, { idle: { userActive: true, idleSeconds: 0 } }],
			[10, {}],
			[19, {}],
			[20, {}]
		]);
		expect(back.ready).toBe(false);
		expect(back.blockers[0]).toMatch(/owner/);
		expect(gone.ready).toBe(false);
		expect(early.ready).toBe(false);
		expect(early.blockers.join()).toMatch(/resuming after 10 s/);
		expect(late.ready).toBe(true);
	});

	it('restarts the delay when a gate trips during it', () => {
		const r = run([
			[0, {}],
			[1, { pressure: 'critical' }],
			[2, { pressure: 'nominal' }],
			[8, { pressure: 'critical' }],
			[9, { pressure: 'nominal' }],
			[14, {}],
			[19, {}]
		]);
		expect(r.map((a) => a.ready)).toEqual([true, false, false, false, false, false, true]);
	});

	it('keeps the battery floor until 5 points above it', () => {
		const battery = (level: number) => ({ power: { charging: false, level } });
		const r = run([
			[0, battery(0.21)],
			[1, battery(0.2)],
			[2, battery(0.24)],
			[3, battery(0.25)],
			[4, battery(0.26)],
			[100, battery(0.26)]
		]);
		expect(r.map((a) => a.tier)).toEqual(['low', 'none', 'none', 'none', 'low', 'low']);
		expect(r.map((a) => a.ready)).toEqual([true, false, false, false, false, true]);
		// 26 % on battery scores 40 (idle) + 5 + 30 = 75: moderate, and ready after the delay.
		const s = run([
			[0, battery(0.3)],
			[1, battery(0.15)],
			[2, battery(0.26)],
			[13, battery(0.26)]
		]);
		expect(s.map((a) => a.ready)).toEqual([true, false, false, true]);
		expect(s[1].blockers.join()).toMatch(/battery at 15 %/);
	});

	it('leaves critical pressure only at fair or better', () => {
		const r = run([
			[0, { pressure: 'serious' }],
			[1, { pressure: 'critical' }],
			[2, { pressure: 'serious' }],
			[3, { pressure: 'fair' }],
			[20, { pressure: 'fair' }]
		]);
		expect(r.map((a) => a.memory.critical)).toEqual([false, true, true, false, false]);
		expect(r.map((a) => a.ready)).toEqual([true, false, false, false, true]);
	});

	it('stops at serious pressure under the owner’s heat limit, and resumes at fair after the delay', () => {
		const steps: [number, Partial<ReadinessSignals>][] = [
			[0, { pressure: 'fair' }],
			[1, { pressure: 'serious' }],
			[2, { pressure: 'fair' }],
			[20, { pressure: 'nominal' }]
		];
		const r = run(steps, { ...config, heatLimit: 'serious' });
		expect(r.map((a) => a.ready)).toEqual([true, false, false, true]);
		expect(r[1].blockers).toEqual(['heat limit: compute pressure is serious']);
		expect(r[2].blockers.join()).toMatch(/resuming after 10 s/);
		// Without it, serious pressure only lowers the score.
		expect(run(steps).map((a) => a.ready)).toEqual([true, true, true, true]);
	});

	it('is not ready in the none band even when no gate trips', () => {
		// Idle past the threshold (20) + 21 % on battery (5) + serious pressure (10) = 35.
		const [a] = run([[0, { idle: { userActive: false, idleSeconds: 300 }, power: { charging: false, level: 0.21 }, pressure: 'serious' }]]);
		expect(a).toMatchObject({ score: 35, band: 'none', ready: false });
	});
});
