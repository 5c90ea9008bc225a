/**
 * Loads the onnxruntime-web build for a backend. The plain WASM build runs the CPU path 1.4–1.9×
 * faster than the WebGPU-capable one, so a volunteer without WebGPU never loads the larger build.
 * ORT's own loader and .wasm are served as hashed assets next to the app, and ORT is told where they
 * are: left to find them from inside the bundled worker, its thread workers fail to start.
 */
import wasmMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import gpuMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import gpuBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { OrtRuntime } from '../executor/ort-runtime';

export async function loadOrt(backend: 'webgpu' | 'wasm', threads: number) {
	const ort = backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
	const [mjs, wasm] = backend === 'webgpu' ? [gpuMjs, gpuBinary] : [wasmMjs, wasmBinary];
	ort.env.wasm.wasmPaths = { mjs: new URL(mjs, self.location.href).href, wasm: new URL(wasm, self.location.href).href };
	// Threads need SharedArrayBuffer, which only a cross-origin isolated context has.
	const usable = self.crossOriginIsolated ? Math.max(1, threads) : 1;
	ort.env.wasm.numThreads = usable;
	ort.env.logLevel = 'error';
	const sessionOptions = {
		executionProviders: backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'],
		graphOptimizationLevel: 'all'
	};
	return { ort: ort as unknown as OrtRuntime, sessionOptions, threads: usable };
}
