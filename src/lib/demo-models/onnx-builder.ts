import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';
import { halfArray } from '../executor/half';

// onnx-proto is CommonJS with a single `onnx` namespace on module.exports, so no named ESM import.
export const { onnx } = onnxProto;

export const OPSET = 17;
export const IR_VERSION = 8;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
export const INT8 = onnx.TensorProto.DataType.INT8;

/**
 * How large weight matrices are stored: the file variants a model may carry. `fp16` keeps weights as
 * half floats and `q8` as int8 with a per-tensor scale (DequantizeLinear); both compute in float32
 * after that, so every backend runs every variant and only the weights' precision differs.
 */
export const WEIGHT_STORAGES = ['fp32', 'fp16', 'q8'] as const;
export type WeightStorage = (typeof WEIGHT_STORAGES)[number];

type Attr = O.IAttributeProto;
type Dim = number | string;

export const attr = {
	int: (name: string, i: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
	float: (name: string, f: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f }),
	ints: (name: string, ints: number[]): Attr => ({
		name,
		type: onnx.AttributeProto.AttributeType.INTS,
		ints
	})
};

/** A graph input or output; string dims are symbolic (`batch_size`, `sequence_length`). */
export function valueInfo(name: string, elemType: number, dims: Dim[]): O.IValueInfoProto {
	const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
	return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** ONNX raw_data is little-endian whatever the host; every engine we target is, so refuse rather than swap. */
function littleEndianBytes(view: ArrayBufferView): Uint8Array {
	if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
		throw new Error('big-endian hosts are not supported when writing ONNX raw_data');
	}
	return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Collects nodes and initializers and hands out unique tensor names, so graph
 * code reads as a chain of `b.op(...)` calls instead of bookkeeping.
 */
export class GraphBuilder {
	readonly nodes: O.INodeProto[] = [];
	readonly initializers: O.ITensorProto[] = [];
	private readonly names = new Set<string>();
	private counter = 0;

	constructor(readonly storage: WeightStorage = 'fp32') {}

	/** Adds one single-output node and returns the output's (generated) name. */
	op(opType: string, inputs: string[], attributes: Attr[] = [], hint = opType): string {
		return this.named(`${hint}_${this.counter++}`, opType, inputs, attributes);
	}

	/** Like `op`, but the output gets exactly `output` as its name: for graph outputs. */
	named(output: string, opType: string, inputs: string[], attributes: Attr[] = []): string {
		this.claim(output);
		this.nodes.push({ opType, input: inputs, output: [output], attribute: attributes, name: `${output}_node` });
		return output;
	}

	/** A float32 initializer; `data` is written as raw bytes, the compact form exporters use. */
	floats(name: string, dims: number[], data: Float32Array): string {
		const expected = dims.reduce((a, b) => a * b, 1);
		if (data.length !== expected) throw new Error(`${name}: ${data.length} values for shape [${dims}]`);
		this.claim(name);
		this.initializers.push({ name, dims, dataType: FLOAT, rawData: littleEndianBytes(data) });
		return name;
	}

	/**
	 * A weight matrix stored as the builder's variant asks; returns the name of a float32 tensor
	 * holding it (the initializer itself for fp32, a Cast or DequantizeLinear output otherwise).
	 */
	matrix(name: string, dims: number[], data: Float32Array): string {
		if (this.storage === 'fp32') return this.floats(name, dims, data);
		const stored = `${name}_${this.storage}`;
		this.claim(stored);
		if (this.storage === 'fp16') {
			this.initializers.push({ name: stored, dims, dataType: FLOAT16, rawData: littleEndianBytes(halfArray(data)) });
			return this.named(name, 'Cast', [stored], [attr.int('to', FLOAT)]);
		}
		let max = 0;
		for (const v of data) max = Math.max(max, Math.abs(v));
		const scale = max > 0 ? max / 127 : 1;
		const q = Int8Array.from(data, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
		this.initializers.push({ name: stored, dims, dataType: INT8, rawData: littleEndianBytes(q) });
		const zero = `${name}_zero_point`;
		this.claim(zero);
		this.initializers.push({ name: zero, dims: [], dataType: INT8, rawData: new Uint8Array(1) });
		return this.named(name, 'DequantizeLinear', [stored, this.scalar(`${name}_scale`, scale), zero]);
	}

	/** An int64 initializer, for shapes, axes and indices. An empty `dims` makes a scalar. */
	int64s(name: string, dims: number[], values: number[]): string {
		this.claim(name);
		const data = BigInt64Array.from(values, (v) => BigInt(v));
		this.initializers.push({ name, dims, dataType: INT64, rawData: littleEndianBytes(data) });
		return name;
	}

	/** A float32 scalar constant, for the arithmetic in GELU, masking and pooling. */
	scalar(name: string, value: number): string {
		return this.floats(name, [], new Float32Array([value]));
	}

	toModel(graphName: string, inputs: O.IValueInfoProto[], outputs: O.IValueInfoProto[], docString: string): Uint8Array {
		const model: O.IModelProto = {
			irVersion: IR_VERSION,
			opsetImport: [{ domain: '', version: OPSET }],
			producerName: 'exostack-demo',
			producerVersion: '1',
			docString,
			graph: {
				name: graphName,
				node: this.nodes,
				initializer: this.initializers,
				input: inputs,
				output: outputs
			}
		};
		return onnx.ModelProto.encode(model).finish();
	}

	private claim(name: string): void {
		if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
		this.names.add(name);
	}
}
