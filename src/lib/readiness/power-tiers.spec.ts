import { describe, expect, it } from 'vitest';
import { dutyCycleFor, POWER_LIMITS, powerTier, threadsFor } from './power-tiers';
import { maxCostForBand, weightOfCost, WEIGHTS_FOR_BAND } from './task-weights';

const battery = (level: number) => ({ charging: false, level });

describe('powerTier', () => {
	it('follows the table at every edge on a first look', () => {
		expect(powerTier({ charging: true, level: 0.05 }, 0.2)).toBe('plugged');
		expect(powerTier(battery(0.81), 0.2)).toBe('high');
		expect(powerTier(battery(0.8), 0.2)).toBe('mid');
		expect(powerTier(battery(0.51), 0.2)).toBe('mid');
		expect(powerTier(battery(0.5), 0.2)).toBe('low');
		expect(powerTier(battery(0.21), 0.2)).toBe('low');
		expect(powerTier(battery(0.2), 0.2)).toBe('none');
		expect(powerTier(null, 0.2)).toBe('mid');
	});

	it('falls at once and rises only 5 points past an edge', () => {
		expect(powerTier(battery(0.5), 0.2, 'mid')).toBe('low');
		expect(powerTier(battery(0.55), 0.2, 'low')).toBe('low');
		expect(powerTier(battery(0.56), 0.2, 'low')).toBe('mid');
		expect(powerTier(battery(0.85), 0.2, 'mid')).toBe('mid');
		expect(powerTier(battery(0.86), 0.2, 'mid')).toBe('high');
		expect(powerTier(battery(0.9), 0.2, 'low')).toBe('high');
		expect(powerTier(battery(0.83), 0.2, 'low')).toBe('mid');
		expect(powerTier(battery(0.25), 0.2, 'none')).toBe('none');
		expect(powerTier(battery(0.26), 0.2, 'none')).toBe('low');
		expect(powerTier(battery(0.6), 0.2, 'plugged')).toBe('mid');
	});

	it('gives 5, 3, 2, 1 and 0 concurrent tasks', () => {
		expect(Object.values(POWER_LIMITS).map((l) => l.concurrent)).toEqual([5, 3, 2, 1, 0]);
	});
});

describe('CPU share → threads and duty cycle', () => {
	it('keeps the machine, not one thread, under the cap', () => {
		// The default threads at 90 % on 2 cores: both cores, resting 10 % of the time.
		expect(threadsFor(0.9, 2)).toBe(2);
		expect(dutyCycleFor(0.9, 2, 2)).toBeCloseTo(0.9);
		// One thread of two cores is 50 % of the CPU at most: no rest under a 90 % cap, 60 % of the time under 30 %.
		expect(dutyCycleFor(0.9, 2, 1)).toBe(1);
		expect(dutyCycleFor(0.3, 2, 1)).toBeCloseTo(0.6);
		// 8 cores at 90 %: 7 threads (87.5 %) need no rest; the tier falling to 30 % later rests them.
		expect(threadsFor(0.9, 8)).toBe(7);
		expect(dutyCycleFor(0.9, 8, 7)).toBe(1);
		expect(dutyCycleFor(0.3, 8, 7)).toBeCloseTo(2.4 / 7);
		// More threads than cores cannot use more than the cores; WebGPU (no threads) takes the cap as it is.
		expect(dutyCycleFor(0.5, 2, 4)).toBeCloseTo(0.5);
		expect(dutyCycleFor(0.7, 8, null)).toBe(0.7);
		for (const cores of [1, 2, 3, 4, 8, 16]) {
			for (const share of [0.3, 0.5, 0.7, 0.9]) {
				const threads = threadsFor(share, cores);
				expect((dutyCycleFor(share, cores, threads) * Math.min(threads, cores)) / cores).toBeLessThanOrEqual(share + 1e-9);
			}
		}
	});
});

describe('task weights', () => {
	it('maps model cost to a weight and bands to the weights they take', () => {
		expect([1, 99, 100, 499, 500].map(weightOfCost)).toEqual(['light', 'light', 'moderate', 'moderate', 'heavy']);
		expect(WEIGHTS_FOR_BAND.light).toEqual(['light']);
		expect(WEIGHTS_FOR_BAND.none).toEqual([]);
		expect([maxCostForBand('heavy'), maxCostForBand('moderate'), maxCostForBand('light'), maxCostForBand('none')]).toEqual([
			Infinity,
			500,
			100,
			0
		]);
	});
});
