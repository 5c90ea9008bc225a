/**
 * Seeded random numbers for the demo model's weights.
 *
 * Only integer arithmetic, additions and one `Math.sqrt` (which IEEE 754 rounds
 * exactly) are used, so the same seed yields bit-identical weights on every JS
 * engine; `Math.log`/`Math.cos` (Box–Muller) are not guaranteed to agree
 * across engines, which would break byte-identical model files.
 */
import { mulberry32 } from '../executor/seeded-random';

export interface Random {
	/** Uniform in [0, 1), 32 bits of resolution. */
	uniform(): number;
	/** `count` float32 samples, mean 0 and standard deviation `std`. */
	normalish(count: number, std: number): Float32Array;
}

export { mulberry32 };

// Irwin–Hall with four terms: the sum of four U(0,1) has variance 4/12, so this rescales it to 1.
const IRWIN_HALL_TERMS = 4;
const IRWIN_HALL_SCALE = Math.sqrt(12 / IRWIN_HALL_TERMS);

export function createRandom(seed: number): Random {
	const next = mulberry32(seed);
	return {
		uniform: next,
		normalish(count, std) {
			const out = new Float32Array(count);
			const scale = IRWIN_HALL_SCALE * std;
			for (let i = 0; i < count; i++) {
				const sum = next() + next() + next() + next();
				out[i] = (sum - IRWIN_HALL_TERMS / 2) * scale;
			}
			return out;
		}
	};
}
