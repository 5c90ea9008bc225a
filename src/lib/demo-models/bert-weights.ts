import { createRandom, type Random } from './prng';

/** The shape of a BERT encoder, named as in a Hugging Face `config.json`. */
export interface BertDims {
	hiddenSize: number;
	numLayers: number;
	numHeads: number;
	intermediateSize: number;
	maxPosition: number;
	vocabSize: number;
	typeVocabSize: number;
	layerNormEps: number;
}

export const MODEL_SIZES = {
	/** Small enough for 200 short sentences in seconds on a software WebGPU adapter. */
	demo: {
		hiddenSize: 64,
		numLayers: 2,
		numHeads: 4,
		intermediateSize: 128,
		maxPosition: 128,
		vocabSize: 2048,
		typeVocabSize: 2,
		layerNormEps: 1e-12
	},
	/** As small as a real encoder gets: for dispatch benchmarks, where the work must be real but trivial. */
	tiny: {
		hiddenSize: 16,
		numLayers: 1,
		numHeads: 2,
		intermediateSize: 32,
		maxPosition: 16,
		vocabSize: 1024,
		typeVocabSize: 2,
		layerNormEps: 1e-12
	},
	/** sentence-transformers/all-MiniLM-L6-v2's shape, for realistic download and compute cost. */
	minilm: {
		hiddenSize: 384,
		numLayers: 6,
		numHeads: 12,
		intermediateSize: 1536,
		maxPosition: 512,
		vocabSize: 30522,
		typeVocabSize: 2,
		layerNormEps: 1e-12
	}
} as const satisfies Record<string, BertDims>;
export type ModelSize = keyof typeof MODEL_SIZES;

export interface Weight {
	dims: number[];
	data: Float32Array;
}
export type BertWeights = Map<string, Weight>;

/** Hugging Face parameter names; dense weights are stored [in, out] (transposed from PyTorch) to feed MatMul directly. */
export const EMBEDDING_NAMES = {
	word: 'embeddings.word_embeddings.weight',
	position: 'embeddings.position_embeddings.weight',
	tokenType: 'embeddings.token_type_embeddings.weight',
	lnGamma: 'embeddings.LayerNorm.weight',
	lnBeta: 'embeddings.LayerNorm.bias'
} as const;

export function layerName(layer: number, param: string): string {
	return `encoder.layer.${layer}.${param}`;
}

/** A layer's dense projections, [name, in, out], in generation order. */
function layerDense(d: BertDims): [string, number, number][] {
	const h = d.hiddenSize;
	return [
		['attention.self.query', h, h],
		['attention.self.key', h, h],
		['attention.self.value', h, h],
		['attention.output.dense', h, h],
		['intermediate.dense', h, d.intermediateSize],
		['output.dense', d.intermediateSize, h]
	];
}

const LAYER_NORMS = ['attention.output.LayerNorm', 'output.LayerNorm'];

function layerNorm(size: number): [Weight, Weight] {
	return [
		{ dims: [size], data: new Float32Array(size).fill(1) },
		{ dims: [size], data: new Float32Array(size) }
	];
}

/**
 * Seeded weights in a fixed order, so both layouts built from one seed share every value.
 *
 * Scales are chosen for a *useful* random model rather than BERT's N(0, 0.02):
 * dense weights at 1/sqrt(fan_in) keep activations O(1) so attention is far from
 * uniform (the reference test then really exercises masking and softmax), and
 * word embeddings dominate position embeddings so different sentences pool to
 * clearly different vectors.
 */
export function makeBertWeights(d: BertDims, seed: number): BertWeights {
	const rng: Random = createRandom(seed);
	const w: BertWeights = new Map();
	const h = d.hiddenSize;
	const put = (name: string, dims: number[], std: number) =>
		w.set(name, {
			dims,
			data: rng.normalish(
				dims.reduce((a, b) => a * b, 1),
				std
			)
		});
	put(EMBEDDING_NAMES.word, [d.vocabSize, h], 1);
	put(EMBEDDING_NAMES.position, [d.maxPosition, h], 0.2);
	put(EMBEDDING_NAMES.tokenType, [d.typeVocabSize, h], 0.1);
	const [gamma, beta] = layerNorm(h);
	w.set(EMBEDDING_NAMES.lnGamma, gamma).set(EMBEDDING_NAMES.lnBeta, beta);
	for (let layer = 0; layer < d.numLayers; layer++) {
		for (const [name, fanIn, fanOut] of layerDense(d)) {
			put(layerName(layer, `${name}.weight`), [fanIn, fanOut], 1 / Math.sqrt(fanIn));
			put(layerName(layer, `${name}.bias`), [fanOut], 0.02);
		}
		for (const name of LAYER_NORMS) {
			const [g, b] = layerNorm(h);
			w.set(layerName(layer, `${name}.weight`), g).set(layerName(layer, `${name}.bias`), b);
		}
	}
	return w;
}
