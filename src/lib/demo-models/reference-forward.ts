/**
 * Test oracle: BERT's forward pass written out in plain float64 JS, with the
 * weights read back from a serialized model's initializers. It shares no code
 * with the graph builder, so agreement with onnxruntime shows the graph
 * computes what it claims rather than what the builder happens to emit.
 */
import onnxProto from 'onnx-proto';
import type { BertDims } from './bert-weights';

const { onnx } = onnxProto;
type Matrix = number[][];

export interface ReferenceModel {
	dims: BertDims;
	weights: Map<string, Float32Array>;
}

export function loadReference(modelBytes: Uint8Array, dims: BertDims): ReferenceModel {
	const model = onnx.ModelProto.decode(modelBytes);
	const weights = new Map<string, Float32Array>();
	for (const t of model.graph?.initializer ?? []) {
		if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !t.name || !t.rawData) continue;
		// Copy: rawData may be an unaligned view into the model bytes.
		weights.set(t.name, new Float32Array(Uint8Array.from(t.rawData).buffer));
	}
	return { dims, weights };
}

function w(m: ReferenceModel, name: string): Float32Array {
	const value = m.weights.get(name);
	if (!value) throw new Error(`reference: no initializer ${name}`);
	return value;
}

/** x[rows, in] · W[in, out] + b, W row-major. */
function linear(x: Matrix, weight: Float32Array, bias: Float32Array): Matrix {
	const out = bias.length;
	return x.map((row) => {
		const y = Array.from(bias);
		row.forEach((xi, i) => {
			for (let o = 0; o < out; o++) y[o] += xi * weight[i * out + o];
		});
		return y;
	});
}

function layerNorm(x: Matrix, gamma: Float32Array, beta: Float32Array, eps: number): Matrix {
	return x.map((row) => {
		const mean = row.reduce((a, b) => a + b, 0) / row.length;
		const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
		const inv = 1 / Math.sqrt(variance + eps);
		return row.map((v, i) => (v - mean) * inv * gamma[i] + beta[i]);
	});
}

/** Abramowitz & Stegun 7.1.26; absolute error below 1.5e-7, far inside the test's 1e-4. */
function erf(x: number): number {
	const t = 1 / (1 + 0.3275911 * Math.abs(x));
	const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
	const y = 1 - poly * Math.exp(-x * x);
	return x >= 0 ? y : -y;
}

const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const add = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, j) => v + b[i][j]));

function attention(m: ReferenceModel, x: Matrix, layer: number): Matrix {
	const p = (name: string) => `encoder.layer.${layer}.attention.${name}`;
	const q = linear(x, w(m, p('self.query.weight')), w(m, p('self.query.bias')));
	const k = linear(x, w(m, p('self.key.weight')), w(m, p('self.key.bias')));
	const v = linear(x, w(m, p('self.value.weight')), w(m, p('self.value.bias')));
	const { hiddenSize, numHeads } = m.dims;
	const headDim = hiddenSize / numHeads;
	const context = x.map(() => new Array<number>(hiddenSize).fill(0));
	for (let h = 0; h < numHeads; h++) {
		const cols = Array.from({ length: headDim }, (_, d) => h * headDim + d);
		for (let i = 0; i < x.length; i++) {
			const scores = k.map((kj) => cols.reduce((s, c) => s + q[i][c] * kj[c], 0) / Math.sqrt(headDim));
			const max = Math.max(...scores);
			const exps = scores.map((s) => Math.exp(s - max));
			const total = exps.reduce((a, b) => a + b, 0);
			exps.forEach((e, j) => cols.forEach((c) => (context[i][c] += (e / total) * v[j][c])));
		}
	}
	const out = linear(context, w(m, p('output.dense.weight')), w(m, p('output.dense.bias')));
	return layerNorm(add(out, x), w(m, p('output.LayerNorm.weight')), w(m, p('output.LayerNorm.bias')), m.dims.layerNormEps);
}

function encoderLayer(m: ReferenceModel, x: Matrix, layer: number): Matrix {
	const p = (name: string) => `encoder.layer.${layer}.${name}`;
	const attended = attention(m, x, layer);
	const inner = linear(attended, w(m, p('intermediate.dense.weight')), w(m, p('intermediate.dense.bias')));
	const out = linear(
		inner.map((row) => row.map(gelu)),
		w(m, p('output.dense.weight')),
		w(m, p('output.dense.bias'))
	);
	const [gamma, beta] = [w(m, p('output.LayerNorm.weight')), w(m, p('output.LayerNorm.bias'))];
	return layerNorm(add(out, attended), gamma, beta, m.dims.layerNormEps);
}

/** Token states [seq][hidden] for one unpadded sequence. */
export function referenceHidden(m: ReferenceModel, ids: number[], typeIds: number[] = ids.map(() => 0)): Matrix {
	const h = m.dims.hiddenSize;
	const row = (table: Float32Array, index: number) => Array.from(table.subarray(index * h, (index + 1) * h));
	const words = w(m, 'embeddings.word_embeddings.weight');
	const positions = w(m, 'embeddings.position_embeddings.weight');
	const types = w(m, 'embeddings.token_type_embeddings.weight');
	const summed = ids.map((id, t) => {
		const [a, b, c] = [row(words, id), row(positions, t), row(types, typeIds[t])];
		return a.map((v, i) => v + b[i] + c[i]);
	});
	let x = layerNorm(summed, w(m, 'embeddings.LayerNorm.weight'), w(m, 'embeddings.LayerNorm.bias'), m.dims.layerNormEps);
	for (let layer = 0; layer < m.dims.numLayers; layer++) x = encoderLayer(m, x, layer);
	return x;
}

/** Mean over tokens, then unit L2 norm: what the pooled layout's graph claims to output. */
export function referenceSentenceEmbedding(m: ReferenceModel, ids: number[]): number[] {
	const hidden = referenceHidden(m, ids);
	const mean = hidden[0].map((_, d) => hidden.reduce((s, row) => s + row[d], 0) / hidden.length);
	const norm = Math.sqrt(mean.reduce((s, v) => s + v * v, 0));
	return mean.map((v) => v / norm);
}
