import { EmbeddingConfig, type Pooling } from '../../protocol/models';
import type { GraphIo, GraphTensorInfo } from './onnx-graph-io';

type Json = Record<string, unknown>;

/** The parsed files an embedding config is derived from; optional ones are undefined when absent. */
export interface HfEmbeddingSources {
	config: Json;
	graph: GraphIo;
	tokenizerConfig?: Json;
	modules?: unknown;
	poolingConfig?: Json;
	sentenceBertConfig?: Json;
}

/** Used when neither the tokenizer nor the model states a limit: BERT's own. */
export const FALLBACK_MAX_LENGTH = 512;
const MAX_LENGTH_CAP = 8192;
// transformers writes int(1e30) as model_max_length when the tokenizer has no limit of its own.
const UNSET_MODEL_MAX_LENGTH = 1e6;
// RoBERTa-family position ids start after the padding index, so two rows of the table are unusable.
const POSITION_OFFSET: Record<string, number> = { roberta: 2, 'xlm-roberta': 2, camembert: 2, 'xlm-roberta-xl': 2 };

const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

const describe = (outputs: GraphTensorInfo[]) =>
	outputs.map((o) => `${o.name}[${o.dims.map((d) => d ?? '?').join(',')}]`).join(', ') || 'none';

/**
 * A pooled output (`sentence_embedding`, rank 2) wins; otherwise token states:
 * `last_hidden_state`, else the first rank-3 output that is not vocabulary logits.
 */
function pickOutput(graph: GraphIo): { output: GraphTensorInfo; pooled: boolean } {
	const pooled = graph.outputs.find((o) => o.dims.length === 2 && /sentence_embedding/.test(o.name));
	if (pooled) return { output: pooled, pooled: true };
	const tokens =
		graph.outputs.find((o) => o.name === 'last_hidden_state' && o.dims.length === 3) ??
		graph.outputs.find((o) => o.dims.length === 3 && o.name !== 'logits');
	if (tokens) return { output: tokens, pooled: false };
	throw new Error(`onnx/model.onnx has no output usable as an embedding (outputs: ${describe(graph.outputs)})`);
}

/** sentence-transformers' Pooling module; mean when the folder has none, as for a plain transformers export. */
function poolingMode(poolingConfig: Json | undefined): Pooling {
	if (!poolingConfig) return 'mean';
	const enabled = Object.entries(poolingConfig)
		.filter(([key, value]) => key.startsWith('pooling_mode_') && value === true)
		.map(([key]) => key.slice('pooling_mode_'.length));
	if (enabled.length === 1 && enabled[0] === 'mean_tokens') return 'mean';
	if (enabled.length === 1 && enabled[0] === 'cls_token') return 'cls';
	if (enabled.length === 0) return 'mean';
	throw new Error(`1_Pooling/config.json asks for pooling ${enabled.join(' + ')}; only mean_tokens or cls_token is supported`);
}

/**
 * Normalize when modules.json lists a Normalize module. Without modules.json,
 * normalize too: vectors are compared by cosine, unit vectors make that a dot
 * product, and it is a no-op for graphs that already normalise.
 */
function wantsNormalize(modules: unknown): boolean {
	if (modules === undefined) return true;
	if (!Array.isArray(modules)) throw new Error('modules.json must contain a JSON array');
	return modules.some((m) => typeof m?.type === 'string' && /(^|\.)Normalize$/.test(m.type));
}

/** The smallest limit any file states (tokenizer, position table, sentence-transformers), else 512. */
function maxLength(s: HfEmbeddingSources): number {
	const modelMax = positiveInt(s.tokenizerConfig?.model_max_length);
	const positions = positiveInt(s.config.max_position_embeddings);
	const offset = POSITION_OFFSET[String(s.config.model_type)] ?? 0;
	const limits = [
		modelMax !== undefined && modelMax < UNSET_MODEL_MAX_LENGTH ? modelMax : undefined,
		positions !== undefined ? positions - offset : undefined,
		positiveInt(s.sentenceBertConfig?.max_seq_length)
	].filter((v): v is number => v !== undefined && v >= 2);
	return Math.min(MAX_LENGTH_CAP, ...(limits.length > 0 ? limits : [FALLBACK_MAX_LENGTH]));
}

/** The output's fixed last dim if the graph states it, else what the configs say the width is. */
function dimensions(s: HfEmbeddingSources, output: GraphTensorInfo): number {
	const last = output.dims[output.dims.length - 1];
	const width =
		(typeof last === 'number' ? last : undefined) ??
		positiveInt(s.poolingConfig?.word_embedding_dimension) ??
		positiveInt(s.config.hidden_size) ??
		positiveInt(s.config.dim) ??
		positiveInt(s.config.d_model);
	if (width === undefined) throw new Error(`cannot tell the width of output ${output.name}: config.json has no hidden_size`);
	return width;
}

export function deriveEmbeddingConfig(s: HfEmbeddingSources): EmbeddingConfig {
	const { output, pooled } = pickOutput(s.graph);
	return EmbeddingConfig.parse({
		pooling: pooled ? 'none' : poolingMode(s.poolingConfig),
		normalize: wantsNormalize(s.modules),
		maxLength: maxLength(s),
		dimensions: dimensions(s, output),
		output: output.name
	});
}
