import { attr, type GraphBuilder } from './onnx-builder';
import { layerName, type BertDims, type BertWeights } from './bert-weights';

/** What every encoder layer shares: the builder, the weights and a few constants made once. */
export interface EncoderContext {
	b: GraphBuilder;
	weights: BertWeights;
	dims: BertDims;
	/** [batch, 1, 1, seq] additive bias: 0 for real tokens, -1e4 for padding. */
	maskBias: string;
	consts: EncoderConstants;
}

export interface EncoderConstants {
	splitHeads: string;
	mergeHeads: string;
	invSqrtHeadDim: string;
	one: string;
	half: string;
	sqrt2: string;
}

export function makeEncoderConstants(b: GraphBuilder, d: BertDims): EncoderConstants {
	const headDim = d.hiddenSize / d.numHeads;
	if (!Number.isInteger(headDim)) throw new Error(`hidden ${d.hiddenSize} is not divisible by ${d.numHeads} heads`);
	// Reshape's 0 copies the input's dim, so batch and sequence stay symbolic.
	return {
		splitHeads: b.int64s('const.split_heads_shape', [4], [0, 0, d.numHeads, headDim]),
		mergeHeads: b.int64s('const.merge_heads_shape', [3], [0, 0, d.hiddenSize]),
		invSqrtHeadDim: b.scalar('const.inv_sqrt_head_dim', 1 / Math.sqrt(headDim)),
		one: b.scalar('const.one', 1),
		half: b.scalar('const.half', 0.5),
		sqrt2: b.scalar('const.sqrt2', Math.SQRT2)
	};
}

/** Registers a weight as an initializer under its Hugging Face name. */
export function weight(ctx: EncoderContext, name: string): string {
	const w = ctx.weights.get(name);
	if (!w) throw new Error(`missing weight ${name}`);
	return ctx.b.floats(name, w.dims, w.data);
}

/** x·W + b, with W stored [in, out]. */
function dense(ctx: EncoderContext, x: string, prefix: string): string {
	const y = ctx.b.op('MatMul', [x, weight(ctx, `${prefix}.weight`)], [], `${prefix}.matmul`);
	return ctx.b.op('Add', [y, weight(ctx, `${prefix}.bias`)], [], `${prefix}.add`);
}

/** `output` names the result exactly, for the layer that ends the graph. */
export function layerNorm(ctx: EncoderContext, x: string, prefix: string, output?: string): string {
	const inputs = [x, weight(ctx, `${prefix}.weight`), weight(ctx, `${prefix}.bias`)];
	const attrs = [attr.int('axis', -1), attr.float('epsilon', ctx.dims.layerNormEps)];
	return output ? ctx.b.named(output, 'LayerNormalization', inputs, attrs) : ctx.b.op('LayerNormalization', inputs, attrs, prefix);
}

/** [batch, seq, hidden] → [batch, heads, seq, headDim], or [batch, heads, headDim, seq] for keys. */
function splitHeads(ctx: EncoderContext, x: string, forKeys: boolean): string {
	const r = ctx.b.op('Reshape', [x, ctx.consts.splitHeads]);
	return ctx.b.op('Transpose', [r], [attr.ints('perm', forKeys ? [0, 2, 3, 1] : [0, 2, 1, 3])]);
}

function selfAttention(ctx: EncoderContext, x: string, layer: number): string {
	const { b, consts } = ctx;
	const p = (name: string) => layerName(layer, `attention.${name}`);
	const q = splitHeads(ctx, dense(ctx, x, p('self.query')), false);
	const k = splitHeads(ctx, dense(ctx, x, p('self.key')), true);
	const v = splitHeads(ctx, dense(ctx, x, p('self.value')), false);
	const scores = b.op('Mul', [b.op('MatMul', [q, k]), consts.invSqrtHeadDim]);
	const probs = b.op('Softmax', [b.op('Add', [scores, ctx.maskBias])], [attr.int('axis', -1)]);
	const context = b.op('Transpose', [b.op('MatMul', [probs, v])], [attr.ints('perm', [0, 2, 1, 3])]);
	const merged = b.op('Reshape', [context, consts.mergeHeads]);
	const out = dense(ctx, merged, p('output.dense'));
	return layerNorm(ctx, b.op('Add', [out, x]), p('output.LayerNorm'));
}

/** The exact (erf) GELU that BERT uses: 0.5·x·(1 + erf(x/√2)). */
function gelu(ctx: EncoderContext, x: string): string {
	const { b, consts } = ctx;
	const erf = b.op('Erf', [b.op('Div', [x, consts.sqrt2])]);
	return b.op('Mul', [b.op('Mul', [x, b.op('Add', [erf, consts.one])]), consts.half], [], 'gelu');
}

/** One post-LayerNorm BERT layer: attention + residual + LN, then MLP + residual + LN. */
export function encoderLayer(ctx: EncoderContext, x: string, layer: number, output?: string): string {
	const attended = selfAttention(ctx, x, layer);
	const hidden = gelu(ctx, dense(ctx, attended, layerName(layer, 'intermediate.dense')));
	const out = dense(ctx, hidden, layerName(layer, 'output.dense'));
	return layerNorm(ctx, ctx.b.op('Add', [out, attended]), layerName(layer, 'output.LayerNorm'), output);
}
