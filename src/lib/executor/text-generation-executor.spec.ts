import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationParams } from '../protocol/generation';
import { buildGpt2Folder } from '../demo-models/gpt2-folder';
import type { OrtRuntime } from './ort-runtime';
import { TextGenerationExecutor, type GenerationModelFiles } from './text-generation-executor';

const folder = buildGpt2Folder({ variants: ['fp16', 'q8'] });
const json = (rel: string) => JSON.parse(new TextDecoder().decode(folder.get(rel)));
const files = (graph = 'onnx/model.onnx'): GenerationModelFiles => ({
	model: folder.get(graph)!,
	tokenizer: json('tokenizer.json'),
	tokenizerConfig: json('tokenizer_config.json'),
	config: json('config.json'),
	generationConfig: json('generation_config.json')
});
const params = (p: Record<string, unknown> = {}) => GenerationParams.parse(p);
const PROMPTS = [
	'Hello world, this is',
	'The quick brown fox',
	'Once upon a time',
	'a',
	'Volunteers donate spare computer time to science and research.'
];

describe('TextGenerationExecutor', () => {
	let node: TextGenerationExecutor;
	beforeAll(async () => {
		node = await TextGenerationExecutor.create(ortNode as unknown as OrtRuntime, files());
	});
	afterAll(() => node.release());

	it('decodes with the KV cache exactly what a full forward pass over the whole text predicts', async () => {
		const tokenizer = json('tokenizer.json');
		const prompt = 'Hello world, this is';
		const out = await node.generate(prompt, params({ max_tokens: 24 }));
		expect(out.tokens).toHaveLength(24);
		expect(out.finish_reason).toBe('length');
		// One pass with an empty cache over prompt + completion: the argmax at each position must be the next token.
		const { Tokenizer } = await import('@huggingface/tokenizers');
		const ids = [...new Tokenizer(tokenizer, {}).encode(prompt).ids, ...out.tokens];
		const session = await ortNode.InferenceSession.create(folder.get('onnx/model.onnx')!);
		const int64 = (v: number[]) => new ortNode.Tensor('int64', BigInt64Array.from(v, BigInt), [1, v.length]);
		const empty = () => new ortNode.Tensor('float32', new Float32Array(0), [1, 4, 0, 16]);
		const feeds: Record<string, ortNode.Tensor> = {
			input_ids: int64(ids),
			attention_mask: int64(ids.map(() => 1)),
			position_ids: int64(ids.map((_, i) => i))
		};
		for (let l = 0; l < 2; l++) [feeds[`past_key_values.${l}.key`], feeds[`past_key_values.${l}.value`]] = [empty(), empty()];
		const logits = (await session.run(feeds)).logits;
		const vocab = logits.dims[2];
		const data = logits.data as Float32Array;
		const promptLen = ids.length - out.tokens.length;
		const predicted = out.tokens.map((_, k) => {
			const row = data.subarray((promptLen - 1 + k) * vocab, (promptLen + k) * vocab);
			return row.indexOf(Math.max(...row));
		});
		expect(predicted).toEqual(out.tokens);
		await session.release();
	});

	it('streams text whose pieces add up to the completion, and decodes the tokens to it', async () => {
		const pieces: string[] = [];
		const out = await node.generate('The quick brown fox', params({ max_tokens: 30 }), { onText: (d) => pieces.push(d) });
		expect(pieces.length).toBeGreaterThan(5);
		expect(pieces.join('')).toBe(out.text);
		expect(out.text.length).toBeGreaterThan(20);
	});

	it('stops at a stop string (never streaming it) and at max_tokens', async () => {
		const free = await node.generate('Once upon a time', params({ max_tokens: 40 }));
		const words = free.text.trim().split(' ');
		const stop = ` ${words[3]}`;
		const pieces: string[] = [];
		const stopped = await node.generate('Once upon a time', params({ max_tokens: 40, stop }), { onText: (d) => pieces.push(d) });
		expect(stopped.finish_reason).toBe('stop');
		expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
		expect(pieces.join('')).toBe(stopped.text);
		expect((await node.generate('Once upon a time', params({ max_tokens: 3 }))).tokens).toHaveLength(3);
	});

	it('samples deterministically per seed, differently across seeds, and greedily at temperature 0', async () => {
		const sample = (seed: number) => node.generate('Hello world', params({ max_tokens: 30, temperature: 1.2, top_p: 0.95, seed }));
		const [a, b, c] = [await sample(7), await sample(7), await sample(8)];
		expect(a).toEqual(b);
		expect(c.tokens).not.toEqual(a.tokens);
		const greedy = await node.generate('Hello world', params({ max_tokens: 30 }));
		expect(greedy.tokens).not.toEqual(a.tokens);
		// top_k 1 is greedy whatever the temperature.
		expect((await node.generate('Hello world', params({ max_tokens: 30, temperature: 2, top_k: 1, seed: 3 }))).tokens).toEqual(
			greedy.tokens
		);
	});

	// Greedy decoding agrees across runtimes for every variant. onnxruntime-node's 'all' optimisation level rewrites
	// q8's DequantizeLinear → MatMul into int8 kernels that round differently, so q8 is compared at level 'basic'
	// there (what WASM computes); at 'all' a native q8 result is a different backend class, never compared with WASM.
	// A seeded draw within float error of a probability boundary can also differ, so seeded runs are checked on fp32.
	it('gives the same tokens on onnxruntime-web (WASM) as on onnxruntime-node, greedy for every variant, seeded on fp32', async () => {
		ortWeb.env.wasm.numThreads = 1;
		for (const graph of ['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx']) {
			const web = await TextGenerationExecutor.create(ortWeb as unknown as OrtRuntime, files(graph), { executionProviders: ['wasm'] });
			const level = graph.includes('quantized') ? 'basic' : 'all';
			const native = await TextGenerationExecutor.create(ortNode as unknown as OrtRuntime, files(graph), { graphOptimizationLevel: level });
			for (const prompt of PROMPTS) {
				const seeded = params({ max_tokens: 40, temperature: 0.9, top_p: 0.9, seed: 11 });
				for (const p of graph === 'onnx/model.onnx' ? [params({ max_tokens: 40 }), seeded] : [params({ max_tokens: 40 })]) {
					expect((await web.generate(prompt, p)).tokens, `${graph}: ${prompt}`).toEqual((await native.generate(prompt, p)).tokens);
				}
			}
			await Promise.all([web.release(), native.release()]);
		}
	}, 120_000);

	it('rejects with an AbortError mid-generation and refuses use after release', async () => {
		const controller = new AbortController();
		const pending = node.generate('Hello', params({ max_tokens: 200 }), { signal: controller.signal, onText: () => controller.abort() });
		await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
		const other = await TextGenerationExecutor.create(ortNode as unknown as OrtRuntime, files());
		await other.release();
		await expect(other.generate('x', params())).rejects.toThrow(/released/);
	});

	it('refuses a graph without a KV cache', async () => {
		const { buildModelFolder } = await import('../demo-models/write-model-folder');
		const encoder = { ...files(), model: buildModelFolder({}).get('onnx/model.onnx')! };
		await expect(TextGenerationExecutor.create(ortNode as unknown as OrtRuntime, encoder)).rejects.toThrow(/no logits output/);
	});
});
