import { Tokenizer } from '@huggingface/tokenizers';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingConfig } from '../protocol/models';
import { buildModelFolder, type DemoModelOptions } from '../demo-models/write-model-folder';
import { EmbeddingExecutor, type EmbeddingModelFiles } from './embedding-executor';

const SENTENCES = [
	'Hello world, this is a test.',
	'The quick brown fox jumps over the lazy dog.',
	'Volunteers donate spare computer time to science.',
	'It will rain tomorrow in the mountains.',
	'A small model runs in the browser.',
	'hello',
	'What is the meaning of life?',
	'Music and art make people happy.',
	'The bank closed early on Friday because of the snow storm in the city.',
	'Zebras, giraffes and elephants live in Africa.',
	'Read the book before you watch the movie.',
	'Please send me the report by email.'
];

const POOLED: EmbeddingConfig = {
	pooling: 'none',
	normalize: true,
	maxLength: 128,
	dimensions: 64,
	output: 'sentence_embedding'
};

function modelFiles(opts: DemoModelOptions): EmbeddingModelFiles {
	const folder = buildModelFolder(opts);
	const json = (rel: string) => JSON.parse(new TextDecoder().decode(folder.get(rel)));
	return {
		model: folder.get('onnx/model.onnx')!,
		tokenizer: json('tokenizer.json'),
		tokenizerConfig: json('tokenizer_config.json')
	};
}

const cosine = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.map((row, i) => Math.max(...row.map((v, j) => Math.abs(v - b[i][j])))));

describe('EmbeddingExecutor', () => {
	let executor: EmbeddingExecutor;
	beforeAll(async () => {
		executor = await EmbeddingExecutor.create(ortNode, modelFiles({ layout: 'pooled' }), POOLED);
	});
	afterAll(() => executor.release());

	it('returns one unit vector per text, in input order, clearly different per sentence', async () => {
		const vectors = await executor.embed(SENTENCES);
		expect(vectors).toHaveLength(SENTENCES.length);
		for (const v of vectors) {
			expect(v).toHaveLength(64);
			expect(Math.hypot(...v)).toBeCloseTo(1, 5);
		}
		// Random weights share a common direction (positions, [CLS]/[SEP]), yet no two sentences come near each other.
		const cosines = vectors.flatMap((a, i) => vectors.slice(i + 1).map((b) => cosine(a, b))).sort((x, y) => x - y);
		expect(cosines.at(-1)).toBeLessThan(0.95);
		expect(cosines[cosines.length >> 1]).toBeLessThan(0.75);
		expect(await executor.embed([])).toEqual([]);
		const reversed = await executor.embed([...SENTENCES].reverse());
		expect(maxAbsDiff(reversed.reverse(), vectors)).toBeLessThan(1e-6);
	});

	it('gives the same vectors whatever the batch size', async () => {
		const one = await executor.embed(SENTENCES, { batchSize: 1 });
		const eight = await executor.embed(SENTENCES, { batchSize: 8 });
		const all = await executor.embed(SENTENCES, { batchSize: 100 });
		expect(maxAbsDiff(one, eight)).toBeLessThan(1e-5);
		expect(maxAbsDiff(one, all)).toBeLessThan(1e-5);
	});

	it('truncates a long input to maxLength, keeping the final [SEP]', async () => {
		// Every word is one token, so 126 words + [CLS] + [SEP] is exactly maxLength.
		const words = Array.from({ length: 400 }, (_, i) => ['the', 'dog', 'water', 'home', 'today'][i % 5]);
		const tokenizer = new Tokenizer(modelFiles({}).tokenizer as object, {});
		expect(tokenizer.encode(words.slice(0, 126).join(' ')).ids).toHaveLength(128);
		const [long, prefix] = await executor.embed([words.join(' '), words.slice(0, 126).join(' ')]);
		const [shorter] = await executor.embed([words.slice(0, 125).join(' ')]);
		expect(maxAbsDiff([long], [prefix])).toBeLessThan(1e-5);
		expect(maxAbsDiff([long], [shorter])).toBeGreaterThan(1e-4);
	});

	it('rejects with an AbortError when aborted before or between batches', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(executor.embed(SENTENCES, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
		const later = new AbortController();
		// The first batch has started when embed() returns its promise; the check before the second one sees the abort.
		const pending = executor.embed(SENTENCES, { batchSize: 2, signal: later.signal });
		later.abort();
		await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
	});

	it('rejects a bad batch size, a missing output and use after release', async () => {
		await expect(executor.embed(['x'], { batchSize: 0 })).rejects.toThrow(/batchSize/);
		const files = modelFiles({ layout: 'pooled' });
		await expect(EmbeddingExecutor.create(ortNode, files, { ...POOLED, output: 'nope' })).rejects.toThrow(/no output "nope"/);
		const wrongWidth = await EmbeddingExecutor.create(ortNode, files, { ...POOLED, dimensions: 32 });
		await expect(wrongWidth.embed(['x'])).rejects.toThrow(/shape \[1,64\], expected \[1,32\]/);
		await wrongWidth.release();
		await expect(wrongWidth.embed(['x'])).rejects.toThrow(/released/);
	});

	it('cls-pools token states from the sentence-transformers layout', async () => {
		const files = modelFiles({ layout: 'sentence-transformers' });
		const config: EmbeddingConfig = { ...POOLED, pooling: 'cls', normalize: false, output: 'last_hidden_state' };
		const cls = await EmbeddingExecutor.create(ortNode, files, config);
		const [vector] = await cls.embed(['hello world']);
		const session = await ortNode.InferenceSession.create(files.model);
		const ids = new ortNode.Tensor('int64', BigInt64Array.from([2n, 329n, 330n, 3n]), [1, 4]);
		const ones = new ortNode.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n]), [1, 4]);
		const zeros = new ortNode.Tensor('int64', new BigInt64Array(4), [1, 4]);
		const out = await session.run({ input_ids: ids, attention_mask: ones, token_type_ids: zeros });
		expect(maxAbsDiff([vector], [Array.from((out.last_hidden_state.data as Float32Array).subarray(0, 64))])).toBe(0);
		await Promise.all([cls.release(), session.release()]);
	});

	it('gives the same vectors on onnxruntime-web (WASM) as on onnxruntime-node', async () => {
		ortWeb.env.wasm.numThreads = 1;
		const web = await EmbeddingExecutor.create(ortWeb, modelFiles({ layout: 'pooled' }), POOLED, {
			executionProviders: ['wasm']
		});
		const [fromWeb, fromNode] = [await web.embed(SENTENCES), await executor.embed(SENTENCES)];
		expect(maxAbsDiff(fromWeb, fromNode)).toBeLessThan(1e-5);
		await web.release();
	});
});
