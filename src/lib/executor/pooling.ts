/**
 * Turning a graph's float output into one vector per input. Pure functions over
 * row-major arrays so they run unchanged in a worker and in Node; sums are in
 * float64, so pooling in JS is at least as accurate as pooling in the graph.
 */

export type Dims2 = readonly [batch: number, dims: number];
export type Dims3 = readonly [batch: number, seqLen: number, dims: number];

/** Splits a [batch, dims] output into rows. */
export function rows(data: ArrayLike<number>, [batch, dims]: Dims2): number[][] {
	const out: number[][] = [];
	for (let b = 0; b < batch; b++) out.push(Array.from({ length: dims }, (_, d) => data[b * dims + d]));
	return out;
}

/**
 * Mean of the token states whose mask is non-zero, as sentence-transformers'
 * mean pooling does; the count is floored at 1e-9 as there, so an all-padding
 * row yields zeros rather than NaN.
 */
export function meanPool(hidden: ArrayLike<number>, [batch, seqLen, dims]: Dims3, mask: ArrayLike<number | bigint>): number[][] {
	const out: number[][] = [];
	for (let b = 0; b < batch; b++) {
		const sum = new Array<number>(dims).fill(0);
		let count = 0;
		for (let t = 0; t < seqLen; t++) {
			if (Number(mask[b * seqLen + t]) === 0) continue;
			count++;
			const base = (b * seqLen + t) * dims;
			for (let d = 0; d < dims; d++) sum[d] += hidden[base + d];
		}
		const denom = Math.max(count, 1e-9);
		out.push(sum.map((v) => v / denom));
	}
	return out;
}

/** The first token's state ([CLS] for BERT-style tokenizers). */
export function clsPool(hidden: ArrayLike<number>, [batch, seqLen, dims]: Dims3): number[][] {
	const out: number[][] = [];
	for (let b = 0; b < batch; b++) {
		const base = b * seqLen * dims;
		out.push(Array.from({ length: dims }, (_, d) => hidden[base + d]));
	}
	return out;
}

/** Unit L2 norm; the norm is floored at 1e-12 like torch's F.normalize, so a zero vector stays zero. */
export function l2Normalize(vector: readonly number[]): number[] {
	let squares = 0;
	for (const v of vector) squares += v * v;
	const norm = Math.max(Math.sqrt(squares), 1e-12);
	return vector.map((v) => v / norm);
}
