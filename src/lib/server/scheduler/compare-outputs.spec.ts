import { describe, expect, it } from 'vitest';
import { largestAgreeingGroup, outputsAgree, quorumOf } from './compare-outputs';
import { soloProbability } from './adaptive-replication';

describe('outputsAgree', () => {
	it('compares numbers within the tolerance, recursively', () => {
		expect(outputsAgree([[1, 2], [3]], [[1.0004, 2], [2.9996]], 1e-3)).toBe(true);
		expect(outputsAgree([[1, 2]], [[1.002, 2]], 1e-3)).toBe(false);
		expect(outputsAgree([[1, 2]], [[1, 2, 3]], 1)).toBe(false);
	});
	it('compares strings and objects exactly', () => {
		expect(outputsAgree([{ text: 'hi', score: 0.5 }], [{ text: 'hi', score: 0.5000001 }], 1e-4)).toBe(true);
		expect(outputsAgree([{ text: 'hi' }], [{ text: 'ho' }], 1)).toBe(false);
		expect(outputsAgree([{ text: 'hi' }], [{ text: 'hi', extra: 1 }], 1)).toBe(false);
		expect(outputsAgree(['a'], [1], 1)).toBe(false);
	});
});

describe('largestAgreeingGroup', () => {
	it('finds the majority and leaves the outlier out', () => {
		const r = (id: number, x: number) => ({ id, output: [[x]] });
		const group = largestAgreeingGroup([r(1, 5), r(2, 1), r(3, 1.0001), r(4, 0.9999)], 1e-3);
		expect(group.map((g) => g.id)).toEqual([2, 3, 4]);
	});
});

describe('quorum and trust', () => {
	it('needs a strict majority', () => {
		expect([1, 2, 3, 4, 5].map(quorumOf)).toEqual([1, 2, 2, 3, 3]);
	});
	it('trusts only a long run, up to 90 %', () => {
		expect(soloProbability(0)).toBe(0);
		expect(soloProbability(9)).toBe(0);
		expect(soloProbability(10)).toBe(0);
		expect(soloProbability(20)).toBeCloseTo(0.5);
		expect(soloProbability(1000)).toBe(0.9);
	});
});
