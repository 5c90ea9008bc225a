import { attr, FLOAT, GraphBuilder, INT64, valueInfo, type WeightStorage } from './onnx-builder';
import { createRandom } from './prng';
import type { BertDims, BertWeights } from './bert-weights';
import { attentionBias, embeddings } from './embedding-graph';
import { encoderLayer, makeEncoderConstants, type EncoderContext } from './encoder-layer';

/** Seeded head weights [in, out] + bias, scaled so logits differ by whole units between labels. */
function head(seed: number, fanIn: number, fanOut: number, gain: number) {
	const rng = createRandom(seed);
	return { w: rng.normalish(fanIn * fanOut, gain / Math.sqrt(fanIn)), b: rng.normalish(fanOut, 0.1) };
}

/**
 * BertForSequenceClassification as an ONNX export has it: the encoder, then the pooler (dense + tanh
 * over [CLS]) and a linear classifier; inputs input_ids, attention_mask, token_type_ids; output logits.
 */
export function buildTextClassifierGraph(
	dims: BertDims,
	weights: BertWeights,
	numLabels: number,
	seed: number,
	storage: WeightStorage = 'fp32'
): Uint8Array {
	const b = new GraphBuilder(storage);
	const consts = makeEncoderConstants(b, dims);
	const maskFloat = b.op('Cast', ['attention_mask'], [attr.int('to', FLOAT)]);
	const ctx: EncoderContext = { b, weights, dims, consts, maskBias: attentionBias(b, maskFloat, consts.one) };
	let hidden = embeddings(ctx, true);
	for (let layer = 0; layer < dims.numLayers; layer++) hidden = encoderLayer(ctx, hidden, layer);
	const cls = b.op('Gather', [hidden, b.int64s('const.cls_index', [], [0])], [attr.int('axis', 1)]);
	const pooler = head(seed * 7919 + 1, dims.hiddenSize, dims.hiddenSize, 1);
	const pooled = b.op('Tanh', [
		b.op('Add', [
			b.op('MatMul', [cls, b.matrix('pooler.dense.weight', [dims.hiddenSize, dims.hiddenSize], pooler.w)]),
			b.floats('pooler.dense.bias', [dims.hiddenSize], pooler.b)
		])
	]);
	const cl = head(seed * 7919 + 2, dims.hiddenSize, numLabels, 6);
	b.named('logits', 'Add', [
		b.op('MatMul', [pooled, b.matrix('classifier.weight', [dims.hiddenSize, numLabels], cl.w)]),
		b.floats('classifier.bias', [numLabels], cl.b)
	]);
	const inputs = ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => valueInfo(n, INT64, ['batch_size', 'sequence_length']));
	return b.toModel(
		'exostack_demo_bert_classifier',
		inputs,
		[valueInfo('logits', FLOAT, ['batch_size', numLabels])],
		'ExoStack demo text classifier (random weights).'
	);
}

export const IMAGE_SIZE = 32;

/**
 * A small convolutional image classifier: two stride-2 3×3 convolutions with ReLU, global average
 * pooling and a linear head; input pixel_values [batch, 3, 32, 32], output logits.
 */
export function buildImageClassifierGraph(numLabels: number, seed: number, storage: WeightStorage = 'fp32'): Uint8Array {
	const b = new GraphBuilder(storage);
	const rng = createRandom(seed);
	const conv = (x: string, name: string, cin: number, cout: number) => {
		const w = b.floats(`${name}.weight`, [cout, cin, 3, 3], rng.normalish(cout * cin * 9, Math.sqrt(2 / (cin * 9))));
		const bias = b.floats(`${name}.bias`, [cout], rng.normalish(cout, 0.05));
		const attrs = [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])];
		return b.op('Relu', [b.op('Conv', [x, w, bias], attrs, name)]);
	};
	const features = conv(conv('pixel_values', 'conv1', 3, 16), 'conv2', 16, 32);
	const pooled = b.op('Flatten', [b.op('GlobalAveragePool', [features])], [attr.int('axis', 1)]);
	const cl = head(seed * 7919 + 3, 32, numLabels, 8);
	b.named('logits', 'Add', [
		b.op('MatMul', [pooled, b.matrix('classifier.weight', [32, numLabels], cl.w)]),
		b.floats('classifier.bias', [numLabels], cl.b)
	]);
	const input = valueInfo('pixel_values', FLOAT, ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE]);
	return b.toModel(
		'exostack_demo_image_classifier',
		[input],
		[valueInfo('logits', FLOAT, ['batch_size', numLabels])],
		'ExoStack demo image classifier (random weights).'
	);
}
