import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_SIZES } from './bert-weights';
import type { ModelLayout } from './embedding-graph';
import { loadReference, referenceHidden, referenceSentenceEmbedding } from './reference-forward';
import { buildModelFolder, writeModelFolder } from './write-model-folder';

const DEMO = MODEL_SIZES.demo;
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** Runs one padded batch; every sequence is right-padded with 0 and masked. */
async function run(session: ort.InferenceSession, batch: number[][]) {
	const seq = Math.max(...batch.map((s) => s.length));
	const ids = batch.flatMap((s) => [...s, ...new Array(seq - s.length).fill(0)]);
	const mask = batch.flatMap((s) => s.map(() => 1).concat(new Array(seq - s.length).fill(0)));
	const feeds: Record<string, ort.Tensor> = {
		input_ids: int64(ids, [batch.length, seq]),
		attention_mask: int64(mask, [batch.length, seq])
	};
	if (session.inputNames.includes('token_type_ids'))
		feeds.token_type_ids = int64(
			ids.map(() => 0),
			[batch.length, seq]
		);
	const out = await session.run(feeds);
	const tensor = out[session.outputNames[0]];
	return { dims: tensor.dims, data: tensor.data as Float32Array };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// Token ids from the demo vocab: [CLS]=2 … [SEP]=3, lengths 3 to 9.
const SEQUENCES = [
	[2, 329, 330, 3],
	[2, 215, 471, 470, 473, 578, 181, 290, 3],
	[2, 600, 3],
	[2, 1000, 1500, 40, 7, 3]
];

describe('demo model generator', () => {
	it('writes byte-identical folders for the same options and different weights for another seed', async () => {
		for (const layout of ['pooled', 'sentence-transformers'] as const) {
			const [a, b] = [await mkdtemp(path.join(tmpdir(), 'demo-a-')), await mkdtemp(path.join(tmpdir(), 'demo-b-'))];
			dirs.push(a, b);
			const written = await writeModelFolder(a, { layout, seed: 7 });
			expect(await writeModelFolder(b, { layout, seed: 7 })).toEqual(written);
			for (const rel of written) {
				expect(Buffer.compare(await readFile(path.join(a, rel)), await readFile(path.join(b, rel))), rel).toBe(0);
			}
		}
		const other = buildModelFolder({ seed: 8 }).get('onnx/model.onnx')!;
		expect(Buffer.compare(other, buildModelFolder({ seed: 7 }).get('onnx/model.onnx')!)).not.toBe(0);
	});

	it('rewrites a folder from one layout to the other without leftovers', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'demo-relayout-'));
		dirs.push(dir);
		await writeModelFolder(dir, { layout: 'sentence-transformers' });
		await writeModelFolder(dir, { layout: 'pooled' });
		await expect(readFile(path.join(dir, 'modules.json'))).rejects.toThrow(/ENOENT/);
		await expect(readFile(path.join(dir, '1_Pooling/config.json'))).rejects.toThrow(/ENOENT/);
	});

	it('loads in onnxruntime-node with the declared inputs and output shapes', async () => {
		const session = (layout: ModelLayout) => ort.InferenceSession.create(buildModelFolder({ layout }).get('onnx/model.onnx')!);
		const [pooled, st] = [await session('pooled'), await session('sentence-transformers')];
		expect(pooled.inputNames).toEqual(['input_ids', 'attention_mask']);
		expect(pooled.outputNames).toEqual(['sentence_embedding']);
		expect(st.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
		expect(st.outputNames).toEqual(['last_hidden_state']);
		expect((await run(pooled, SEQUENCES)).dims).toEqual([4, DEMO.hiddenSize]);
		expect((await run(st, SEQUENCES)).dims).toEqual([4, 9, DEMO.hiddenSize]);
		// Position embeddings are sliced to the input, so the full table length works too.
		const longest = [2, ...new Array(DEMO.maxPosition - 2).fill(400), 3];
		expect((await run(st, [longest])).dims).toEqual([1, DEMO.maxPosition, DEMO.hiddenSize]);
		await Promise.all([pooled.release(), st.release()]);
	});

	it('computes what a plain-JS BERT forward pass computes, padding included', async () => {
		const folder = buildModelFolder({ layout: 'sentence-transformers', seed: 3 });
		const model = folder.get('onnx/model.onnx')!;
		const reference = loadReference(model, DEMO);
		const session = await ort.InferenceSession.create(model);
		const { data, dims } = await run(session, SEQUENCES);
		const [, seq, hidden] = dims;
		SEQUENCES.forEach((ids, b) => {
			const expected = referenceHidden(reference, ids).flat();
			const actual = data.subarray(b * seq * hidden, b * seq * hidden + ids.length * hidden);
			expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-4);
		});
		await session.release();
	});

	it('pools and normalises in-graph exactly as the reference does', async () => {
		const model = buildModelFolder({ layout: 'pooled', seed: 3 }).get('onnx/model.onnx')!;
		const reference = loadReference(model, DEMO);
		const session = await ort.InferenceSession.create(model);
		const { data } = await run(session, SEQUENCES);
		SEQUENCES.forEach((ids, b) => {
			const actual = data.subarray(b * DEMO.hiddenSize, (b + 1) * DEMO.hiddenSize);
			expect(maxAbsDiff(actual, referenceSentenceEmbedding(reference, ids))).toBeLessThan(1e-4);
		});
		await session.release();
	});

	it('builds the all-MiniLM-L6-v2-sized model and runs a sentence', async () => {
		const folder = buildModelFolder({ layout: 'pooled', size: 'minilm' });
		const config = JSON.parse(new TextDecoder().decode(folder.get('config.json')));
		expect(config).toMatchObject({ hidden_size: 384, num_hidden_layers: 6, num_attention_heads: 12, vocab_size: 30522 });
		const session = await ort.InferenceSession.create(folder.get('onnx/model.onnx')!);
		const { dims, data } = await run(session, [[2, 329, 330, 3]]);
		expect(dims).toEqual([1, 384]);
		expect(Math.hypot(...data)).toBeCloseTo(1, 5);
		await session.release();
	}, 60_000);
});
