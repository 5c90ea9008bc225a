import { describe, expect, it } from 'vitest';
import { clsPool, l2Normalize, meanPool, rows } from './pooling';

// Two sequences of three tokens, two dims; the second sequence's last token is padding.
const HIDDEN = Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 999, 999]);
const DIMS = [2, 3, 2] as const;

describe('pooling', () => {
	it('mean-pools only unmasked tokens', () => {
		expect(meanPool(HIDDEN, DIMS, [1, 1, 1, 1, 1, 0])).toEqual([
			[3, 4],
			[20, 30]
		]);
		expect(meanPool(HIDDEN, DIMS, BigInt64Array.from([1n, 0n, 0n, 1n, 1n, 0n]))).toEqual([
			[1, 2],
			[20, 30]
		]);
	});

	it('yields zeros, not NaN, for a fully masked row', () => {
		expect(meanPool(HIDDEN, DIMS, [0, 0, 0, 1, 1, 1])[0]).toEqual([0, 0]);
	});

	it('takes the first token for cls pooling and splits pooled rows', () => {
		expect(clsPool(HIDDEN, DIMS)).toEqual([
			[1, 2],
			[10, 20]
		]);
		expect(rows(Float32Array.from([1, 2, 3, 4]), [2, 2])).toEqual([
			[1, 2],
			[3, 4]
		]);
	});

	it('normalises to unit length and leaves a zero vector at zero', () => {
		expect(l2Normalize([3, 4])).toEqual([0.6, 0.8]);
		expect(l2Normalize([0, 0])).toEqual([0, 0]);
	});
});
