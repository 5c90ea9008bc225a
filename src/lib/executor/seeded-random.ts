/**
 * mulberry32: a tiny seeded generator using only 32-bit integer arithmetic, so the same seed gives
 * the same sequence in every JS engine. Sampled generation draws from it, which is what makes a
 * seeded job's replicas agree token for token.
 */
export function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
