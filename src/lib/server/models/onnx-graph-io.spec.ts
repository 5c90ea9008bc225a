import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { buildModelFolder } from '../../demo-models/write-model-folder';
import { readGraphIo } from './onnx-graph-io';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tinyModel(initializer: object): Uint8Array {
	const vi = (name: string) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 2 }] } } } });
	return onnx.ModelProto.encode({
		irVersion: 3,
		opsetImport: [{ version: 9 }],
		graph: {
			node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
			input: [vi('x'), vi('w')],
			output: [vi('y')],
			initializer: [{ name: 'w', dims: [2], dataType: FLOAT, ...initializer }]
		}
	}).finish();
}

describe('readGraphIo', () => {
	it('reads the demo models’ inputs and outputs with symbolic and fixed dims', () => {
		const st = readGraphIo(buildModelFolder({ layout: 'sentence-transformers' }).get('onnx/model.onnx')!);
		expect(st.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
		const int64 = onnx.TensorProto.DataType.INT64;
		expect(st.inputs[0]).toEqual({ name: 'input_ids', elemType: int64, dims: ['batch_size', 'sequence_length'] });
		expect(st.outputs).toEqual([{ name: 'last_hidden_state', elemType: FLOAT, dims: ['batch_size', 'sequence_length', 64] }]);
		expect(st.usesExternalData).toBe(false);
	});

	it('drops initializers that old exporters list as inputs, and spots external weights', () => {
		const inline = readGraphIo(tinyModel({ floatData: [1, 2] }));
		expect(inline.inputs.map((i) => i.name)).toEqual(['x']);
		expect(inline.usesExternalData).toBe(false);
		const external = tinyModel({ dataLocation: 1, externalData: [{ key: 'location', value: 'model.onnx_data' }] });
		expect(readGraphIo(external).usesExternalData).toBe(true);
	});

	it('throws on bytes that are not a model', () => {
		expect(() => readGraphIo(new TextEncoder().encode('not a model at all'))).toThrow();
		expect(() => readGraphIo(new Uint8Array())).toThrow(/no graph/);
	});
});
