/**
 * Models compiled for WebLLM (@mlc-ai/web-llm): an MLC folder (mlc-chat-config.json, ndarray-cache.json,
 * weight shards, tokenizer, one model library .wasm) run on WebGPU only. What an adapter must offer is
 * derived from the folder, checked by the hub before leasing and again by the volunteer before loading.
 */
import type { ModelManifest } from './models';
import type { WebGpuInfo } from './volunteer';

export const MLC_CONFIG = 'mlc-chat-config.json';
export const MLC_TENSOR_CACHE = 'ndarray-cache.json';

/** web-llm's own default for models whose record names no requirement (its prebuilt records' usual figure). */
export const DEFAULT_WEBLLM_BUFFER_BYTES = 256 * 1024 * 1024;

export interface WebGpuRequirements {
	features: string[];
	/** adapter.limits.maxBufferSize must reach this. */
	maxBufferSize: number;
	/** adapter.limits.maxStorageBufferBindingSize must reach this (the largest tensor is bound whole). */
	maxStorageBufferBindingSize: number;
}

export function isWebLlmModel(model: Pick<ModelManifest, 'files'>): boolean {
	return model.files.some((f) => f.path === MLC_CONFIG);
}

/** The model library: the one .wasm at the top of the folder. */
export function webLlmLibrary(model: Pick<ModelManifest, 'files'>) {
	return model.files.find((f) => !f.path.includes('/') && f.path.endsWith('.wasm'));
}

type Json = Record<string, unknown>;

/**
 * From mlc-chat-config.json and ndarray-cache.json: f16 quantisations (q4f16_1, q0f16, …) need the
 * `shader-f16` feature; buffers must hold `buffer_size_required_bytes` (or web-llm's default) and bind
 * the largest tensor.
 */
export function webLlmRequirements(chatConfig: unknown, tensorCache: unknown): WebGpuRequirements {
	const config = (chatConfig ?? {}) as Json;
	const quantization = typeof config.quantization === 'string' ? config.quantization : '';
	const records = (((tensorCache ?? {}) as Json).records ?? []) as { records?: { nbytes?: number }[] }[];
	let largest = 0;
	for (const shard of Array.isArray(records) ? records : [])
		for (const r of shard.records ?? []) largest = Math.max(largest, Number(r.nbytes) || 0);
	const declared = Number(config.buffer_size_required_bytes);
	return {
		features: /f16/.test(quantization) ? ['shader-f16'] : [],
		maxBufferSize: Math.max(largest, Number.isFinite(declared) && declared > 0 ? declared : DEFAULT_WEBLLM_BUFFER_BYTES),
		maxStorageBufferBindingSize: largest
	};
}

/** Why this adapter cannot run the model, or null when it can. A volunteer without WebGPU never can. */
export function webGpuShortfall(webgpu: WebGpuInfo | null, req: WebGpuRequirements): string | null {
	if (!webgpu) return 'no WebGPU adapter';
	const missing = req.features.filter((f) => !webgpu.features.includes(f));
	if (missing.length > 0) return `the adapter lacks ${missing.join(', ')}`;
	if (webgpu.maxBufferSize < req.maxBufferSize) return `maxBufferSize ${webgpu.maxBufferSize} < ${req.maxBufferSize}`;
	if (webgpu.maxStorageBufferBindingSize < req.maxStorageBufferBindingSize)
		return `maxStorageBufferBindingSize ${webgpu.maxStorageBufferBindingSize} < ${req.maxStorageBufferBindingSize}`;
	return null;
}
