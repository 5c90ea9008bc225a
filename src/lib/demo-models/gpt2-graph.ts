import { attr, FLOAT, GraphBuilder, INT64, valueInfo, type WeightStorage } from './onnx-builder';
import type { Gpt2Dims, Gpt2Weights } from './gpt2-weights';

const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'total_sequence_length';
const MASK_FILL = -1e4;

interface Ctx {
	b: GraphBuilder;
	w: Gpt2Weights;
	d: Gpt2Dims;
	bias: string;
	c: { split: string; merge: string; scale: string; half: string; one: string; geluA: string; geluB: string };
}

/** Matrices go through the variant's storage; vectors (biases, LayerNorm) stay float32 in every variant. */
function param(ctx: Ctx, name: string): string {
	const w = ctx.w.get(name);
	if (!w) throw new Error(`missing weight ${name}`);
	return w.dims.length === 2 ? ctx.b.matrix(name, w.dims, w.data) : ctx.b.floats(name, w.dims, w.data);
}

function dense(ctx: Ctx, x: string, prefix: string): string {
	return ctx.b.op('Add', [ctx.b.op('MatMul', [x, param(ctx, `${prefix}.weight`)]), param(ctx, `${prefix}.bias`)]);
}

function layerNorm(ctx: Ctx, x: string, prefix: string): string {
	const attrs = [attr.int('axis', -1), attr.float('epsilon', ctx.d.layerNormEpsilon)];
	return ctx.b.op('LayerNormalization', [x, param(ctx, `${prefix}.weight`), param(ctx, `${prefix}.bias`)], attrs, prefix);
}

const heads = (ctx: Ctx, x: string) => ctx.b.op('Transpose', [ctx.b.op('Reshape', [x, ctx.c.split])], [attr.ints('perm', [0, 2, 1, 3])]);

/**
 * Attention over the cached keys and values plus this step's: the concatenations are the layer's
 * `present.*` outputs, which the caller feeds back as `past_key_values.*` on the next step.
 */
function attention(ctx: Ctx, x: string, layer: number): string {
	const { b } = ctx;
	const p = (n: string) => `h.${layer}.attn.${n}`;
	const q = heads(ctx, dense(ctx, x, p('q_proj')));
	const k = b.named(
		`present.${layer}.key`,
		'Concat',
		[`past_key_values.${layer}.key`, heads(ctx, dense(ctx, x, p('k_proj')))],
		[attr.int('axis', 2)]
	);
	const v = b.named(
		`present.${layer}.value`,
		'Concat',
		[`past_key_values.${layer}.value`, heads(ctx, dense(ctx, x, p('v_proj')))],
		[attr.int('axis', 2)]
	);
	const kT = b.op('Transpose', [k], [attr.ints('perm', [0, 1, 3, 2])]);
	const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [q, kT]), ctx.c.scale]), ctx.bias]);
	const probs = b.op('Softmax', [scores], [attr.int('axis', -1)]);
	const context = b.op('Transpose', [b.op('MatMul', [probs, v])], [attr.ints('perm', [0, 2, 1, 3])]);
	return dense(ctx, b.op('Reshape', [context, ctx.c.merge]), p('c_proj'));
}

/** GPT-2's gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluNew(ctx: Ctx, x: string): string {
	const { b, c } = ctx;
	const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
	const inner = b.op('Mul', [b.op('Add', [x, b.op('Mul', [cube, c.geluB])]), c.geluA]);
	return b.op('Mul', [b.op('Mul', [x, b.op('Add', [b.op('Tanh', [inner]), c.one])]), c.half]);
}

function block(ctx: Ctx, x: string, layer: number): string {
	const attended = ctx.b.op('Add', [x, attention(ctx, layerNorm(ctx, x, `h.${layer}.ln_1`), layer)]);
	const inner = geluNew(ctx, dense(ctx, layerNorm(ctx, attended, `h.${layer}.ln_2`), `h.${layer}.mlp.c_fc`));
	return ctx.b.op('Add', [attended, dense(ctx, inner, `h.${layer}.mlp.c_proj`)]);
}

/**
 * [batch, 1, seq, total] additive bias: a query at absolute position past+i sees keys 0…past+i
 * (causal), and never a key whose attention_mask is 0 (padding).
 */
function attentionBias(b: GraphBuilder, one: string): string {
	const scalarAt = (shapeOf: string, axis: number) =>
		b.op('Gather', [b.op('Shape', [shapeOf]), b.int64s(`const.index_${axis}_${shapeOf}`, [], [axis])], [attr.int('axis', 0)]);
	const total = scalarAt('attention_mask', 1);
	const seq = scalarAt('input_ids', 1);
	const step = b.int64s('const.step', [], [1]);
	const keys = b.op('Range', [b.int64s('const.zero', [], [0]), total, step]);
	const queries = b.op('Range', [b.op('Sub', [total, seq]), total, step]);
	const visible = b.op('LessOrEqual', [
		b.op('Unsqueeze', [keys, b.int64s('const.axis0', [1], [0])]),
		b.op('Unsqueeze', [queries, b.int64s('const.axis1', [1], [1])])
	]);
	const fill = b.scalar('const.mask_fill', MASK_FILL);
	const causal = b.op('Mul', [b.op('Sub', [one, b.op('Cast', [visible], [attr.int('to', FLOAT)])]), fill]);
	const mask = b.op('Unsqueeze', [b.op('Cast', ['attention_mask'], [attr.int('to', FLOAT)]), b.int64s('const.axes12', [2], [1, 2])]);
	const padding = b.op('Mul', [b.op('Sub', [one, mask]), fill]);
	return b.op('Add', [padding, causal], [], 'attention_bias');
}

/** A GPT-2 decoder in the layout Hugging Face's ONNX export uses with a KV cache (`text-generation-with-past`). */
export function buildGpt2Graph(d: Gpt2Dims, w: Gpt2Weights, storage: WeightStorage): Uint8Array {
	const b = new GraphBuilder(storage);
	const headDim = d.nEmbd / d.nHead;
	const one = b.scalar('const.one', 1);
	const c = {
		split: b.int64s('const.split_heads', [4], [0, 0, d.nHead, headDim]),
		merge: b.int64s('const.merge_heads', [3], [0, 0, d.nEmbd]),
		scale: b.scalar('const.inv_sqrt_head_dim', 1 / Math.sqrt(headDim)),
		half: b.scalar('const.half', 0.5),
		one,
		geluA: b.scalar('const.gelu_a', Math.sqrt(2 / Math.PI)),
		geluB: b.scalar('const.gelu_b', 0.044715)
	};
	const ctx: Ctx = { b, w, d, c, bias: attentionBias(b, one) };
	const gather = (table: string, ids: string) => b.op('Gather', [param(ctx, table), ids], [attr.int('axis', 0)]);
	let x = b.op('Add', [gather('wte.weight', 'input_ids'), gather('wpe.weight', 'position_ids')]);
	for (let layer = 0; layer < d.nLayer; layer++) x = block(ctx, x, layer);
	const final = layerNorm(ctx, x, 'ln_f');
	b.named('logits', 'Add', [b.op('MatMul', [final, param(ctx, 'lm_head.weight')]), param(ctx, 'lm_head.bias')]);

	const kv = (prefix: string, len: string) =>
		Array.from({ length: d.nLayer }, (_, i) =>
			['key', 'value'].map((t) => valueInfo(`${prefix}.${i}.${t}`, FLOAT, [BATCH, d.nHead, len, headDim]))
		).flat();
	const inputs = [
		valueInfo('input_ids', INT64, [BATCH, SEQ]),
		valueInfo('attention_mask', INT64, [BATCH, TOTAL]),
		valueInfo('position_ids', INT64, [BATCH, SEQ]),
		...kv('past_key_values', PAST)
	];
	const outputs = [valueInfo('logits', FLOAT, [BATCH, SEQ, d.vocabSize]), ...kv('present', TOTAL)];
	return b.toModel(
		'exostack_demo_gpt2',
		inputs,
		outputs,
		`ExoStack demo GPT-2 decoder (random weights, ${storage} weights); not a trained model.`
	);
}
