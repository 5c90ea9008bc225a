import { cp, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingExecutor } from '../../executor/embedding-executor';
import { writeFolder, writeModelFolder } from '../../demo-models/write-model-folder';
import { buildGpt2Folder } from '../../demo-models/gpt2-folder';
import { buildImageClassifierFolder, buildTextClassifierFolder } from '../../demo-models/classifier-folders';
import { readHfFolder, type HfFolder } from './read-hf-folder';

let root: string;
let pooledDir: string;
let stDir: string;
let count = 0;

beforeAll(async () => {
	root = await mkdtemp(path.join(tmpdir(), 'read-hf-'));
	pooledDir = path.join(root, 'pooled');
	stDir = path.join(root, 'st');
	await writeModelFolder(pooledDir, { layout: 'pooled', seed: 5 });
	await writeModelFolder(stDir, { layout: 'sentence-transformers', seed: 5 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A copy of `base` with files replaced (string) or deleted (null). */
async function variant(base: string, edits: Record<string, string | null>): Promise<string> {
	const dir = path.join(root, `variant-${count++}`);
	await cp(base, dir, { recursive: true });
	for (const [rel, content] of Object.entries(edits)) {
		if (content === null) await unlink(path.join(dir, rel));
		else await writeFile(path.join(dir, rel), content);
	}
	return dir;
}

async function editJson(base: string, rel: string, edit: (value: Record<string, unknown>) => unknown): Promise<string> {
	const value = JSON.parse(await readFile(path.join(base, rel), 'utf8'));
	return variant(base, { [rel]: JSON.stringify(edit(value)) });
}

async function executorFor(folder: HfFolder): Promise<EmbeddingExecutor> {
	const file = (rel: string) => folder.files.find((f) => f.path === rel)!.absPath;
	const json = async (rel: string) => JSON.parse(await readFile(file(rel), 'utf8'));
	const files = {
		model: new Uint8Array(await readFile(file('onnx/model.onnx'))),
		tokenizer: await json('tokenizer.json'),
		tokenizerConfig: await json('tokenizer_config.json')
	};
	return EmbeddingExecutor.create(ort, files, folder.embedding!);
}

const paths = (folder: HfFolder) => folder.files.map((f) => f.path);
const config = (pooling: string, output: string) => ({ pooling, normalize: true, maxLength: 128, dimensions: 64, output });

/** Rejects with a message matching `pattern` when the folder is `base` with `edits` applied. */
async function expectBroken(base: string, edits: Record<string, string | null>, pattern: RegExp | string) {
	await expect(readHfFolder(await variant(base, edits))).rejects.toThrow(pattern);
}

describe('readHfFolder', () => {
	it('reads the pooled demo layout', async () => {
		const folder = await readHfFolder(pooledDir);
		expect(folder.taskTypes).toEqual(['embedding']);
		expect(folder.embedding).toEqual(config('none', 'sentence_embedding'));
		expect(paths(folder)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']);
		for (const f of folder.files) expect(path.isAbsolute(f.absPath)).toBe(true);
	});

	it('reads the sentence-transformers layout', async () => {
		const folder = await readHfFolder(stDir);
		expect(folder.embedding).toEqual(config('mean', 'last_hidden_state'));
		expect(paths(folder)).toEqual(expect.arrayContaining(['modules.json', '1_Pooling/config.json']));
	});

	it('pools in JS exactly as the pooled layout pools in-graph, from the same weights', async () => {
		const pooled = await executorFor(await readHfFolder(pooledDir));
		const st = await executorFor(await readHfFolder(stDir));
		const texts = ['Hello world, this is a test.', 'The quick brown fox jumps over the lazy dog.', 'hi', 'Music is fun.'];
		const [a, b] = [await pooled.embed(texts, { batchSize: 3 }), await st.embed(texts, { batchSize: 3 })];
		const diff = Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
		expect(diff).toBeLessThan(1e-5);
		await Promise.all([pooled.release(), st.release()]);
	});

	it('names the missing required file', async () => {
		for (const rel of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
			const dir = await variant(pooledDir, { [rel]: null });
			await expect(readHfFolder(dir)).rejects.toThrow(`model folder ${dir}: missing required file ${rel}`);
		}
		await expect(readHfFolder(path.join(root, 'nowhere'))).rejects.toThrow(/nowhere: does not exist/);
	});

	it('names the malformed file', async () => {
		await expectBroken(pooledDir, { 'config.json': '{"model_type": "bert",' }, /config.json is not valid JSON/);
		await expectBroken(pooledDir, { 'config.json': '[1, 2]' }, /config.json must contain a JSON object/);
		await expectBroken(pooledDir, { 'onnx/model.onnx': 'not a model' }, /onnx\/model.onnx is not a valid ONNX model/);
		await expectBroken(pooledDir, { 'tokenizer.json': '{"model": 3}' }, /tokenizer.json cannot be loaded/);
		await expectBroken(stDir, { 'modules.json': '{}' }, /modules.json must contain a JSON array/);
	});

	it('serves only the known files and never follows a link out of the folder', async () => {
		const dir = await variant(pooledDir, { 'secret.txt': 'x', 'vocab.txt': '[PAD]\n' });
		expect(paths(await readHfFolder(dir))).toContain('vocab.txt');
		expect(paths(await readHfFolder(dir))).not.toContain('secret.txt');
		await writeFile(path.join(root, 'outside.json'), '{}');
		await unlink(path.join(dir, 'special_tokens_map.json'));
		await symlink(path.join(root, 'outside.json'), path.join(dir, 'special_tokens_map.json'));
		await expect(readHfFolder(dir)).rejects.toThrow(/special_tokens_map.json resolves outside the model folder/);
	});

	it('infers the task type from the architecture, checks the graph fits it, and lets an explicit type win', async () => {
		const gpt = await editJson(pooledDir, 'config.json', (c) => ({ ...c, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
		await expect(readHfFolder(gpt)).rejects.toThrow(/text-generation graph needs input_ids and logits/);
		const t5 = await editJson(pooledDir, 'config.json', (c) => ({ ...c, model_type: 't5', architectures: ['T5Model'] }));
		await expect(readHfFolder(t5)).rejects.toThrow(/cannot infer the task type .*t5.*pass taskType/);
		const head = await editJson(pooledDir, 'config.json', (c) => ({ ...c, architectures: ['BertForSequenceClassification'] }));
		await expect(readHfFolder(head)).rejects.toThrow(/config.json has no id2label/);
		expect((await readHfFolder(head, { taskType: 'embedding' })).embedding?.pooling).toBe('none');
		const masked = await editJson(pooledDir, 'config.json', (c) => ({ ...c, architectures: ['BertForMaskedLM'] }));
		await expect(readHfFolder(masked)).rejects.toThrow(/cannot infer the task type/);
	});

	it('reads the generated text-generation and classifier folders with their variants and extra files', async () => {
		const gptDir = path.join(root, 'gpt2');
		await writeFolder(gptDir, buildGpt2Folder({ variants: ['fp16', 'q8'] }));
		const gpt = await readHfFolder(gptDir);
		expect(gpt.taskTypes).toEqual(['text_generation']);
		expect(paths(gpt)).toEqual(
			expect.arrayContaining(['generation_config.json', 'onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx'])
		);
		const imageDir = path.join(root, 'image');
		await writeFolder(imageDir, buildImageClassifierFolder());
		const image = await readHfFolder(imageDir, { taskType: 'image_classification' });
		expect(paths(image)).toEqual(['config.json', 'preprocessor_config.json', 'onnx/model.onnx']);
		await expectBroken(imageDir, { 'preprocessor_config.json': null }, /missing required file preprocessor_config.json/);
		const textDir = path.join(root, 'text-classifier');
		await writeFolder(textDir, buildTextClassifierFolder());
		expect((await readHfFolder(textDir)).taskTypes).toEqual(['classification']);
		// A broken variant fails the import even when the fp32 graph is fine.
		await expectBroken(gptDir, { 'onnx/model_fp16.onnx': 'junk' }, /onnx\/model_fp16.onnx is not a valid ONNX model/);
	});

	it('follows the sentence-transformers and tokenizer files', async () => {
		const mode = (enabled: string) => (p: Record<string, unknown>) => ({ ...p, pooling_mode_mean_tokens: false, [enabled]: true });
		const cls = await editJson(stDir, '1_Pooling/config.json', mode('pooling_mode_cls_token'));
		expect((await readHfFolder(cls)).embedding?.pooling).toBe('cls');
		const max = await editJson(stDir, '1_Pooling/config.json', mode('pooling_mode_max_tokens'));
		await expect(readHfFolder(max)).rejects.toThrow(/pooling max_tokens/);
		const noNormalize = await editJson(stDir, 'modules.json', (m) => (m as unknown as unknown[]).slice(0, 2));
		expect((await readHfFolder(noNormalize)).embedding?.normalize).toBe(false);
		const unlimited = await editJson(stDir, 'tokenizer_config.json', (t) => ({ ...t, model_max_length: 1e30 }));
		expect((await readHfFolder(unlimited)).embedding?.maxLength).toBe(128);
		const shortSeq = await readHfFolder(await variant(stDir, { 'sentence_bert_config.json': '{"max_seq_length": 64}' }));
		expect(shortSeq.embedding?.maxLength).toBe(64);
		expect(paths(shortSeq)).not.toContain('sentence_bert_config.json');
	});
});
