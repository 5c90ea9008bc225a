import { attr, FLOAT, GraphBuilder, INT64, valueInfo } from './onnx-builder';
import { EMBEDDING_NAMES, type BertDims, type BertWeights } from './bert-weights';
import { encoderLayer, layerNorm, makeEncoderConstants, weight, type EncoderContext } from './encoder-layer';

/**
 * - `pooled`: the graph mean-pools and L2-normalises itself; one output `sentence_embedding`.
 * - `sentence-transformers`: like an optimum export of all-MiniLM-L6-v2; output
 *   `last_hidden_state`, pooling and normalising left to the caller.
 */
export const MODEL_LAYOUTS = ['pooled', 'sentence-transformers'] as const;
export type ModelLayout = (typeof MODEL_LAYOUTS)[number];

export const OUTPUT_NAME: Record<ModelLayout, string> = {
	pooled: 'sentence_embedding',
	'sentence-transformers': 'last_hidden_state'
};

const BATCH = 'batch_size';
const SEQ = 'sequence_length';
// -1e4 rather than -inf: exp() still underflows to exactly 0, and a row can never become NaN.
const MASK_FILL = -1e4;

/** [batch, seq] int64 mask → [batch, 1, 1, seq] float bias added to attention scores. */
export function attentionBias(b: GraphBuilder, maskFloat: string, one: string): string {
	const expanded = b.op('Unsqueeze', [maskFloat, b.int64s('const.axes_1_2', [2], [1, 2])]);
	const inverted = b.op('Sub', [one, expanded]);
	return b.op('Mul', [inverted, b.scalar('const.mask_fill', MASK_FILL)], [], 'attention_bias');
}

/** Word + position (sliced to the actual length) + token-type embeddings, then LayerNorm. */
export function embeddings(ctx: EncoderContext, withTokenTypes: boolean): string {
	const { b } = ctx;
	const words = b.op('Gather', [weight(ctx, EMBEDDING_NAMES.word), 'input_ids'], [attr.int('axis', 0)]);
	const seqLen = b.op('Slice', [b.op('Shape', ['input_ids']), b.int64s('const.slice_1', [1], [1]), b.int64s('const.slice_2', [1], [2])]);
	const zero = b.int64s('const.zero_1d', [1], [0]);
	const positions = b.op('Slice', [weight(ctx, EMBEDDING_NAMES.position), zero, seqLen, zero]);
	// Without a token_type_ids input every token is type 0, so row 0 is broadcast to all tokens.
	const typeIds = withTokenTypes ? 'token_type_ids' : b.int64s('const.type_zero', [], [0]);
	const types = b.op('Gather', [weight(ctx, EMBEDDING_NAMES.tokenType), typeIds], [attr.int('axis', 0)]);
	const sum = b.op('Add', [b.op('Add', [words, positions]), types]);
	return layerNorm(ctx, sum, 'embeddings.LayerNorm');
}

/** Masked mean over tokens, then L2 normalisation, matching sentence-transformers' Pooling + Normalize. */
function poolAndNormalize(b: GraphBuilder, hidden: string, maskFloat: string, output: string): string {
	const tokensAxis = b.int64s('const.axis_1', [1], [1]);
	const mask3 = b.op('Unsqueeze', [maskFloat, b.int64s('const.axis_2', [1], [2])]);
	const summed = b.op('ReduceSum', [b.op('Mul', [hidden, mask3]), tokensAxis], [attr.int('keepdims', 0)]);
	const counted = b.op('ReduceSum', [mask3, tokensAxis], [attr.int('keepdims', 0)]);
	// Clip (not Max) because every WebGPU build of onnxruntime-web has it; floors as in sentence-transformers.
	const count = b.op('Clip', [counted, b.scalar('const.count_floor', 1e-9)]);
	const mean = b.op('Div', [summed, count], [], 'mean_pooled');
	const squares = b.op('ReduceSum', [b.op('Mul', [mean, mean]), tokensAxis], [attr.int('keepdims', 1)]);
	const norm = b.op('Clip', [b.op('Sqrt', [squares]), b.scalar('const.norm_floor', 1e-12)]);
	return b.named(output, 'Div', [mean, norm]);
}

/** Serialises a BERT encoder with the given weights as an opset-17 ONNX model. */
export function buildEmbeddingGraph(dims: BertDims, weights: BertWeights, layout: ModelLayout): Uint8Array {
	const b = new GraphBuilder();
	const consts = makeEncoderConstants(b, dims);
	const maskFloat = b.op('Cast', ['attention_mask'], [attr.int('to', FLOAT)]);
	const ctx: EncoderContext = { b, weights, dims, consts, maskBias: attentionBias(b, maskFloat, consts.one) };
	const pooled = layout === 'pooled';
	let hidden = embeddings(ctx, !pooled);
	for (let layer = 0; layer < dims.numLayers; layer++) {
		const last = layer === dims.numLayers - 1;
		hidden = encoderLayer(ctx, hidden, layer, last && !pooled ? OUTPUT_NAME[layout] : undefined);
	}
	const inputNames = pooled ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids'];
	const inputs = inputNames.map((name) => valueInfo(name, INT64, [BATCH, SEQ]));
	if (pooled) poolAndNormalize(b, hidden, maskFloat, OUTPUT_NAME.pooled);
	const outputs = pooled
		? [valueInfo(OUTPUT_NAME.pooled, FLOAT, [BATCH, dims.hiddenSize])]
		: [valueInfo(OUTPUT_NAME[layout], FLOAT, [BATCH, SEQ, dims.hiddenSize])];
	const doc = `ExoStack demo text-embedding model (random weights, ${layout} layout); not a trained model.`;
	return b.toModel('exostack_demo_bert', inputs, outputs, doc);
}
