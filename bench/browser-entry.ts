/**
 * The browser side of bench/inference: the volunteer's own EmbeddingExecutor on onnxruntime-web's
 * WASM build, without the hub, in a dedicated worker as the volunteer runs it (tabs of one site can
 * share a renderer's main thread). Bundled by esbuild; the page posts a request and gets the timing.
 */
import * as ort from 'onnxruntime-web/wasm';
import { EmbeddingExecutor } from '../src/lib/executor/embedding-executor';
import type { OrtRuntime } from '../src/lib/executor/ort-runtime';
import type { EmbeddingConfig } from '../src/lib/protocol/models';

const SLICE = 8;
let executor: EmbeddingExecutor | null = null;

/** Loads the model and warms it up; timing starts only once every tab has done this. */
async function load(threads: number, config: EmbeddingConfig) {
	ort.env.wasm.wasmPaths = { mjs: '/ort/ort-wasm-simd-threaded.mjs', wasm: '/ort/ort-wasm-simd-threaded.wasm' };
	ort.env.wasm.numThreads = threads;
	const bytes = async (p: string) => new Uint8Array(await (await fetch(`/model/${p}`)).arrayBuffer());
	const json = async (p: string) => JSON.parse(new TextDecoder().decode(await bytes(p)));
	executor = await EmbeddingExecutor.create(
		ort as unknown as OrtRuntime,
		{
			model: await bytes('onnx/model.onnx'),
			tokenizer: await json('tokenizer.json'),
			tokenizerConfig: await json('tokenizer_config.json')
		},
		config,
		{ executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
	);
	await executor.embed(['warm up the session with one short sentence']);
	return { ready: true };
}

/** Embeds `part` in slices of 8, as the TaskRunner runs a task; the best of `repeats` passes. */
async function run(part: string[], repeats: number) {
	const times: number[] = [];
	for (let r = 0; r < repeats; r++) {
		const start = performance.now();
		for (let i = 0; i < part.length; i += SLICE) await executor!.embed(part.slice(i, i + SLICE));
		times.push(performance.now() - start);
	}
	return { ms: Math.min(...times) };
}

type Request = { op: 'load'; threads: number; config: EmbeddingConfig } | { op: 'run'; part: string[]; repeats: number };

self.onmessage = async (e: MessageEvent<Request>) => {
	try {
		self.postMessage(e.data.op === 'load' ? await load(e.data.threads, e.data.config) : await run(e.data.part, e.data.repeats));
	} catch (err) {
		self.postMessage({ error: (err as Error).message });
	}
};
