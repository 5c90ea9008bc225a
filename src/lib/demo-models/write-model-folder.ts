import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeBertWeights, MODEL_SIZES, type BertDims, type ModelSize } from './bert-weights';
import { buildEmbeddingGraph, MODEL_LAYOUTS, type ModelLayout } from './embedding-graph';
import { buildTokenizerConfig, buildTokenizerJson, buildVocab, SPECIAL_TOKENS_MAP } from './wordpiece-tokenizer';

export interface DemoModelOptions {
	layout?: ModelLayout;
	size?: ModelSize;
	seed?: number;
}

export const DEFAULT_SEED = 1;

/** Paths inside the folder → file bytes; insertion order is the order files are written. */
export type ModelFolder = Map<string, Uint8Array>;

// Two-space JSON with a final newline, as transformers writes its config files.
export const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

function bertConfig(d: BertDims, layout: ModelLayout, seed: number) {
	return {
		_name_or_path: `exostack/demo-bert-${layout}-seed${seed}`,
		architectures: ['BertModel'],
		attention_probs_dropout_prob: 0.1,
		hidden_act: 'gelu',
		hidden_dropout_prob: 0.1,
		hidden_size: d.hiddenSize,
		initializer_range: 0.02,
		intermediate_size: d.intermediateSize,
		layer_norm_eps: d.layerNormEps,
		max_position_embeddings: d.maxPosition,
		model_type: 'bert',
		num_attention_heads: d.numHeads,
		num_hidden_layers: d.numLayers,
		pad_token_id: 0,
		position_embedding_type: 'absolute',
		torch_dtype: 'float32',
		type_vocab_size: d.typeVocabSize,
		vocab_size: d.vocabSize
	};
}

/** sentence-transformers' modules.json + 1_Pooling/config.json for Transformer → mean Pooling → Normalize. */
function sentenceTransformersFiles(d: BertDims): [string, Uint8Array][] {
	const modules = [
		{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
		{ idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
		{ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }
	];
	const pooling = {
		word_embedding_dimension: d.hiddenSize,
		pooling_mode_cls_token: false,
		pooling_mode_mean_tokens: true,
		pooling_mode_max_tokens: false,
		pooling_mode_mean_sqrt_len_tokens: false,
		pooling_mode_weightedmean_tokens: false,
		pooling_mode_lasttoken: false,
		include_prompt: true
	};
	return [
		['modules.json', json(modules)],
		['1_Pooling/config.json', json(pooling)]
	];
}

/**
 * Every file of a demo model, in memory. Deterministic: the same options give
 * byte-identical files, so the blobs' sha256 are stable across machines.
 */
export function buildModelFolder(opts: DemoModelOptions = {}): ModelFolder {
	const layout = opts.layout ?? 'pooled';
	const size = opts.size ?? 'demo';
	const seed = opts.seed ?? DEFAULT_SEED;
	if (!Object.hasOwn(MODEL_SIZES, size)) throw new Error(`unknown size ${size}`);
	if (!MODEL_LAYOUTS.includes(layout)) throw new Error(`unknown layout ${layout}`);
	const dims: BertDims = MODEL_SIZES[size];
	if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
	const vocab = buildVocab(dims.vocabSize);
	const folder: ModelFolder = new Map([
		['config.json', json(bertConfig(dims, layout, seed))],
		['tokenizer.json', json(buildTokenizerJson(vocab))],
		['tokenizer_config.json', json(buildTokenizerConfig(dims.maxPosition))],
		['special_tokens_map.json', json(SPECIAL_TOKENS_MAP)]
	]);
	if (layout === 'sentence-transformers') for (const [p, b] of sentenceTransformersFiles(dims)) folder.set(p, b);
	folder.set('onnx/model.onnx', buildEmbeddingGraph(dims, makeBertWeights(dims, seed), layout));
	return folder;
}

/** Files only some layouts have: left over from another layout, they would change how the folder is read. */
const LAYOUT_FILES = ['modules.json', '1_Pooling/config.json'];

/** Writes a demo model folder (creating `dir`) and returns the relative paths written. */
export async function writeModelFolder(dir: string, opts: DemoModelOptions = {}): Promise<string[]> {
	const folder = buildModelFolder(opts);
	await writeFolder(dir, folder);
	for (const rel of LAYOUT_FILES) if (!folder.has(rel)) await rm(path.join(dir, rel), { force: true });
	return [...folder.keys()];
}

/** Writes an in-memory model folder to disk, creating subfolders as needed. */
export async function writeFolder(dir: string, folder: ModelFolder): Promise<void> {
	for (const [rel, bytes] of folder) {
		const target = path.join(dir, rel);
		await mkdir(path.dirname(target), { recursive: true });
		await writeFile(target, bytes);
	}
}
