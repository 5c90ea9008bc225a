import { describe, expect, it } from 'vitest';
import { POWER_LIMITS, powerTier } from './power-tiers';
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

describe('task weights', () => {
	it('maps model cost to a weight and bands to the weights they take', () => {
		expect([1, 99, 100, 499, 500].map(weightOfCost)).toEqual(['light', 'light', 'moderate', 'moderate', 'heavy']);
		expect(WEIGHTS_FOR_BAND.light).toEqual(['light']);
		expect(WEIGHTS_FOR_BAND.none).toEqual([]);
		expect([maxCostForBand('heavy'), maxCostForBand('moderate'), maxCostForBand('light'), maxCostForBand('none')]).toEqual([Infinity, 500, 100, 0]);
	});
});
