import type { OrtSession } from './ort-runtime';

export interface CacheLayer {
	pastKey: string;
	pastValue: string;
	presentKey: string;
	presentValue: string;
}

/** What the decode loop needs to know about a decoder graph and its config. */
export interface DecoderShape {
	layers: CacheLayer[];
	numHeads: number;
	headDim: number;
	cacheType: 'float32' | 'float16';
	/** The context length: prompt plus completion never exceed it. */
	maxPositions: number;
	eosIds: number[];
	bosId: number | null;
}

type Json = Record<string, unknown>;
const PAST = /^past_key_values\.(\d+)\.key$/;
const SUPPORTED = new Set(['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch']);

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const ints = (v: unknown): number[] =>
	Array.isArray(v) ? v.map(int).filter((x): x is number => x !== undefined) : int(v) !== undefined ? [v as number] : [];
const asJson = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/**
 * Reads the cache layout from the graph's input and output names and its sizes from config.json
 * (GPT-2's `n_head`/`n_embd`/`n_positions`, or the Llama-style names), refusing graphs the loop
 * cannot drive: a decoder without a KV cache, or inputs it would not know how to fill.
 */
export function decoderShape(session: OrtSession, configJson: unknown, generationJson: unknown): DecoderShape {
	const config = asJson(configJson);
	const generation = asJson(generationJson);
	const inputs = session.inputNames;
	if (!inputs.includes('input_ids')) throw new Error(`model has no input_ids input (inputs: ${inputs.join(', ')})`);
	if (!session.outputNames.includes('logits')) throw new Error(`model has no logits output (outputs: ${session.outputNames.join(', ')})`);
	const layers = inputs
		.map((name) => PAST.exec(name)?.[1])
		.filter((n): n is string => n !== undefined)
		.map(Number)
		.sort((a, b) => a - b)
		.map((i) => ({
			pastKey: `past_key_values.${i}.key`,
			pastValue: `past_key_values.${i}.value`,
			presentKey: `present.${i}.key`,
			presentValue: `present.${i}.value`
		}));
	if (layers.length === 0) throw new Error('model has no past_key_values inputs: export it with a KV cache (text-generation-with-past)');
	for (const l of layers) {
		for (const name of [l.pastValue]) if (!inputs.includes(name)) throw new Error(`model has no ${name} input`);
		for (const name of [l.presentKey, l.presentValue])
			if (!session.outputNames.includes(name)) throw new Error(`model has no ${name} output`);
	}
	const unknown = inputs.filter((n) => !SUPPORTED.has(n) && !n.startsWith('past_key_values.'));
	if (unknown.length > 0) throw new Error(`model needs inputs the executor cannot provide: ${unknown.join(', ')}`);

	const meta = session.inputMetadata?.find((m) => m.name === layers[0].pastKey);
	const metaDims = meta?.shape ?? [];
	const attentionHeads = int(config.n_head) ?? int(config.num_attention_heads);
	const numHeads = int(metaDims[1]) ?? int(config.num_key_value_heads) ?? attentionHeads;
	const width = int(config.n_embd) ?? int(config.hidden_size);
	const headDim = int(metaDims[3]) ?? int(config.head_dim) ?? (width && attentionHeads ? width / attentionHeads : undefined);
	if (!numHeads || !headDim || !Number.isInteger(headDim))
		throw new Error('config.json does not say the number of heads and the head size (n_head, n_embd)');
	const eos = ints(generation.eos_token_id);
	return {
		layers,
		numHeads,
		headDim,
		cacheType: meta?.type === 'float16' ? 'float16' : 'float32',
		maxPositions: int(config.n_positions) ?? int(config.max_position_embeddings) ?? int(config.n_ctx) ?? 2048,
		eosIds: eos.length > 0 ? eos : ints(config.eos_token_id),
		bosId: int(generation.bos_token_id) ?? int(config.bos_token_id) ?? null
	};
}
