import { createRandom } from './prng';
import type { Weight } from './bert-weights';

/** The shape of a GPT-2 decoder, named as in its Hugging Face `config.json`. */
export interface Gpt2Dims {
	nEmbd: number;
	nLayer: number;
	nHead: number;
	nInner: number;
	nPositions: number;
	vocabSize: number;
	layerNormEpsilon: number;
}

export const GPT2_SIZES = {
	/** Small enough to generate a few hundred tokens a second on WASM and to finish on a software WebGPU adapter. */
	demo: { nEmbd: 64, nLayer: 2, nHead: 4, nInner: 256, nPositions: 256, vocabSize: 2048, layerNormEpsilon: 1e-5 }
} as const satisfies Record<string, Gpt2Dims>;
export type Gpt2Size = keyof typeof GPT2_SIZES;

export type Gpt2Weights = Map<string, Weight>;

/** A layer's dense projections, [name, in, out]; q, k and v are kept apart instead of GPT-2's fused c_attn. */
function layerDense(d: Gpt2Dims): [string, number, number][] {
	const h = d.nEmbd;
	return [
		['attn.q_proj', h, h],
		['attn.k_proj', h, h],
		['attn.v_proj', h, h],
		['attn.c_proj', h, h],
		['mlp.c_fc', h, d.nInner],
		['mlp.c_proj', d.nInner, h]
	];
}

const ones = (n: number): Weight => ({ dims: [n], data: new Float32Array(n).fill(1) });
const zeros = (n: number): Weight => ({ dims: [n], data: new Float32Array(n) });

/**
 * Seeded weights. The output head is untied from the token table and its scale makes logits spread
 * by several units, so the top two tokens are rarely within float error of each other and greedy
 * decoding picks the same token on every backend. `lm_head.bias` favours tokens that are whole
 * words, so the demo's output reads as (meaningless) English rather than byte soup.
 */
export function makeGpt2Weights(d: Gpt2Dims, seed: number, wordTokens: boolean[]): Gpt2Weights {
	const rng = createRandom(seed);
	const w: Gpt2Weights = new Map();
	const h = d.nEmbd;
	const put = (name: string, dims: number[], std: number) =>
		w.set(name, {
			dims,
			data: rng.normalish(
				dims.reduce((a, b) => a * b, 1),
				std
			)
		});
	put('wte.weight', [d.vocabSize, h], 1);
	put('wpe.weight', [d.nPositions, h], 0.3);
	for (let layer = 0; layer < d.nLayer; layer++) {
		for (const [name, fanIn, fanOut] of layerDense(d)) {
			put(`h.${layer}.${name}.weight`, [fanIn, fanOut], 1 / Math.sqrt(fanIn));
			put(`h.${layer}.${name}.bias`, [fanOut], 0.02);
		}
		for (const ln of ['ln_1', 'ln_2']) w.set(`h.${layer}.${ln}.weight`, ones(h)).set(`h.${layer}.${ln}.bias`, zeros(h));
	}
	w.set('ln_f.weight', ones(h)).set('ln_f.bias', zeros(h));
	put('lm_head.weight', [h, d.vocabSize], 4 / Math.sqrt(h));
	const bias = new Float32Array(d.vocabSize);
	wordTokens.forEach((isWord, id) => (bias[id] = isWord ? 4 : -6));
	w.set('lm_head.bias', { dims: [d.vocabSize], data: bias });
	return w;
}
