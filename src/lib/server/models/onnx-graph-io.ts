import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A graph input or output: dims are numbers when fixed, strings when symbolic, null when unknown. */
export interface GraphTensorInfo {
	name: string;
	elemType: number;
	dims: (number | string | null)[];
}

export interface GraphIo {
	/** Real inputs only: initializers that old exporters also list as inputs are left out. */
	inputs: GraphTensorInfo[];
	outputs: GraphTensorInfo[];
	/** Some weight lives in a side file (model.onnx_data), which a single-file download would miss. */
	usesExternalData: boolean;
}

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

interface Field {
	number: number;
	/** Payload of a length-delimited field. */
	bytes?: Uint8Array;
	/** Value of a varint field (exact up to 2^53, plenty for the small enums read here). */
	varint?: number;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
	let value = 0;
	for (let shift = 1; ; shift *= 128) {
		if (pos >= buf.length) throw new Error('truncated varint');
		const byte = buf[pos++];
		value += (byte & 0x7f) * shift;
		if (byte < 0x80) return [value, pos];
		if (shift > 2 ** 63) throw new Error('varint too long');
	}
}

/**
 * Walks one message's fields without decoding them, so the weights (nearly all
 * of a model's bytes) are skipped as subarray views rather than parsed and copied.
 */
function* fields(buf: Uint8Array): Generator<Field> {
	let pos = 0;
	while (pos < buf.length) {
		const [tag, afterTag] = readVarint(buf, pos);
		const number = Math.floor(tag / 8);
		pos = afterTag;
		switch (tag % 8) {
			case 0: {
				const [varint, next] = readVarint(buf, pos);
				pos = next;
				yield { number, varint };
				break;
			}
			case 1:
				pos += 8;
				break;
			case 2: {
				const [length, start] = readVarint(buf, pos);
				if (start + length > buf.length) throw new Error('field runs past the end of the data');
				pos = start + length;
				yield { number, bytes: buf.subarray(start, pos) };
				break;
			}
			case 5:
				pos += 4;
				break;
			default:
				throw new Error(`unsupported wire type ${tag % 8}`);
		}
	}
	if (pos !== buf.length) throw new Error('message runs past the end of the data');
}

function dimValue(dim: { dimValue?: unknown; dimParam?: string | null }): number | string | null {
	if (dim.dimParam) return dim.dimParam;
	const v = dim.dimValue;
	// protobufjs yields a Long for int64 when the `long` package is present, a number otherwise.
	const n = typeof v === 'object' && v !== null && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v);
	return Number.isFinite(n) && n > 0 ? n : null;
}

function tensorInfo(bytes: Uint8Array): GraphTensorInfo {
	const info = onnx.ValueInfoProto.decode(bytes);
	const tensor = info.type?.tensorType;
	return {
		name: info.name,
		elemType: tensor?.elemType ?? 0,
		dims: (tensor?.shape?.dim ?? []).map(dimValue)
	};
}

function scanInitializer(bytes: Uint8Array): { name: string; external: boolean } {
	let name = '';
	let external = false;
	for (const f of fields(bytes)) {
		if (f.number === TENSOR_NAME && f.bytes) name = new TextDecoder().decode(f.bytes);
		if (f.number === TENSOR_DATA_LOCATION && f.varint === DATA_LOCATION_EXTERNAL) external = true;
	}
	return { name, external };
}

/** Reads a serialized ModelProto's graph inputs and outputs; throws on bytes that are not one. */
export function readGraphIo(model: Uint8Array): GraphIo {
	const graph = [...fields(model)].find((f) => f.number === MODEL_GRAPH && f.bytes)?.bytes;
	if (!graph) throw new Error('no graph in the model');
	const inputs: GraphTensorInfo[] = [];
	const outputs: GraphTensorInfo[] = [];
	const initializers = new Set<string>();
	let usesExternalData = false;
	for (const f of fields(graph)) {
		if (!f.bytes) continue;
		if (f.number === GRAPH_INPUT) inputs.push(tensorInfo(f.bytes));
		if (f.number === GRAPH_OUTPUT) outputs.push(tensorInfo(f.bytes));
		if (f.number === GRAPH_INITIALIZER) {
			const init = scanInitializer(f.bytes);
			initializers.add(init.name);
			usesExternalData ||= init.external;
		}
	}
	return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs, usesExternalData };
}
