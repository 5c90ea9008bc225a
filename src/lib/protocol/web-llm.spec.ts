import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBLLM_BUFFER_BYTES, isWebLlmModel, webGpuShortfall, webLlmLibrary, webLlmRequirements } from './web-llm';
import type { WebGpuInfo } from './volunteer';

const gpu = (over: Partial<WebGpuInfo> = {}): WebGpuInfo => ({
	vendor: 'test',
	architecture: '',
	features: ['shader-f16'],
	maxBufferSize: 2 ** 31,
	maxStorageBufferBindingSize: 2 ** 30,
	...over
});
const cache = (...sizes: number[]) => ({ records: [{ dataPath: 's0.bin', records: sizes.map((nbytes) => ({ nbytes })) }] });

describe('WebLLM requirements and gating', () => {
	it('derives shader-f16 from f16 quantisations and buffer needs from the largest tensor', () => {
		expect(webLlmRequirements({ quantization: 'q4f16_1' }, cache(10, 300_000_000, 5))).toEqual({
			features: ['shader-f16'],
			maxBufferSize: 300_000_000,
			maxStorageBufferBindingSize: 300_000_000
		});
		expect(webLlmRequirements({ quantization: 'q4f32_1' }, cache(1000))).toEqual({
			features: [],
			maxBufferSize: DEFAULT_WEBLLM_BUFFER_BYTES,
			maxStorageBufferBindingSize: 1000
		});
		expect(webLlmRequirements({ quantization: 'q0f32', buffer_size_required_bytes: 512 }, {}).maxBufferSize).toBe(512);
	});

	it('says what an adapter lacks, and that no adapter cannot run it', () => {
		const req = webLlmRequirements({ quantization: 'q4f16_1' }, cache(200_000_000));
		expect(webGpuShortfall(gpu(), req)).toBeNull();
		expect(webGpuShortfall(null, req)).toBe('no WebGPU adapter');
		expect(webGpuShortfall(gpu({ features: [] }), req)).toBe('the adapter lacks shader-f16');
		expect(webGpuShortfall(gpu({ maxBufferSize: 2 ** 27 }), req)).toMatch(/^maxBufferSize 134217728 < 268435456/);
		expect(webGpuShortfall(gpu({ maxStorageBufferBindingSize: 2 ** 27 }), req)).toMatch(/^maxStorageBufferBindingSize/);
	});

	it('recognises a WebLLM model by its files and finds its library', () => {
		const files = [
			{ path: 'mlc-chat-config.json', sha256: 'a'.repeat(64), size: 1 },
			{ path: 'lib/x.wasm', sha256: 'b'.repeat(64), size: 1 },
			{ path: 'model-webgpu.wasm', sha256: 'c'.repeat(64), size: 1 }
		];
		expect(isWebLlmModel({ files })).toBe(true);
		expect(webLlmLibrary({ files })?.path).toBe('model-webgpu.wasm');
		expect(isWebLlmModel({ files: [{ path: 'onnx/model.onnx', sha256: 'a'.repeat(64), size: 1 }] })).toBe(false);
	});
});
