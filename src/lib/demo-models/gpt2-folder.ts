import { buildBpeTokenizerConfig, buildBpeTokenizerJson, buildBpeVocab, END_OF_TEXT } from './bpe-tokenizer';
import { buildGpt2Graph } from './gpt2-graph';
import { GPT2_SIZES, makeGpt2Weights, type Gpt2Dims, type Gpt2Size } from './gpt2-weights';
import { WEIGHT_STORAGES, type WeightStorage } from './onnx-builder';
import { DEFAULT_SEED, json, type ModelFolder } from './write-model-folder';
import { variantFile } from '../protocol/variants';

export interface Gpt2Options {
	size?: Gpt2Size;
	seed?: number;
	/** Weight variants to write; fp32 is always written (onnx/model.onnx). */
	variants?: readonly WeightStorage[];
}

function gpt2Config(d: Gpt2Dims, seed: number, eos: number) {
	return {
		_name_or_path: `exostack/demo-gpt2-seed${seed}`,
		activation_function: 'gelu_new',
		architectures: ['GPT2LMHeadModel'],
		attn_pdrop: 0.1,
		bos_token_id: eos,
		embd_pdrop: 0.1,
		eos_token_id: eos,
		initializer_range: 0.02,
		layer_norm_epsilon: d.layerNormEpsilon,
		model_type: 'gpt2',
		n_ctx: d.nPositions,
		n_embd: d.nEmbd,
		n_head: d.nHead,
		n_inner: d.nInner,
		n_layer: d.nLayer,
		n_positions: d.nPositions,
		resid_pdrop: 0.1,
		torch_dtype: 'float32',
		use_cache: true,
		vocab_size: d.vocabSize
	};
}

/** Whole words after a space, and sentence punctuation: what the demo's output head favours. */
const WORD_TOKEN = /^Ġ([a-z]{2,}|a|i)$|^[.,]$/;

/**
 * Every file of the demo text-generation model: a GPT-2 decoder with a KV cache in the Hugging Face
 * ONNX layout, its byte-level BPE tokenizer and, per variant, `onnx/model{_fp16,_quantized}.onnx`.
 * Deterministic: the same options give byte-identical files.
 */
export function buildGpt2Folder(opts: Gpt2Options = {}): ModelFolder {
	const d: Gpt2Dims = GPT2_SIZES[opts.size ?? 'demo'];
	const seed = opts.seed ?? DEFAULT_SEED;
	if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
	const { vocab, merges } = buildBpeVocab(d.vocabSize);
	const eos = vocab.indexOf(END_OF_TEXT);
	const weights = makeGpt2Weights(
		d,
		seed,
		vocab.map((t) => WORD_TOKEN.test(t))
	);
	const folder: ModelFolder = new Map([
		['config.json', json(gpt2Config(d, seed, eos))],
		['generation_config.json', json({ bos_token_id: eos, eos_token_id: eos })],
		['tokenizer.json', json(buildBpeTokenizerJson(vocab, merges))],
		['tokenizer_config.json', json(buildBpeTokenizerConfig(d.nPositions))],
		['special_tokens_map.json', json({ bos_token: END_OF_TEXT, eos_token: END_OF_TEXT, unk_token: END_OF_TEXT })]
	]);
	const variants = new Set<WeightStorage>(['fp32', ...(opts.variants ?? [])]);
	for (const storage of WEIGHT_STORAGES) {
		if (variants.has(storage)) folder.set(variantFile('model', storage), buildGpt2Graph(d, weights, storage));
	}
	return folder;
}
