import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HfFolder } from './read-hf-folder';
import { MLC_CONFIG, MLC_TENSOR_CACHE, webLlmRequirements } from '../../protocol/web-llm';

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'tokenizer.model', 'vocab.json', 'merges.txt', 'added_tokens.json'];

/**
 * Reads a WebLLM (MLC) model folder: mlc-chat-config.json, ndarray-cache.json and the weight shards it
 * lists, the tokenizer files, and exactly one model library (.wasm). It serves text_generation on
 * WebGPU volunteers only; the requirements it implies are checked here so a broken folder fails now.
 */
export async function readMlcFolder(dir: string): Promise<HfFolder> {
	const root = await realpath(dir);
	const inside = async (rel: string) => {
		const abs = await realpath(path.join(root, rel)).catch(() => null);
		if (!abs) return null;
		if (!abs.startsWith(root + path.sep)) throw new Error(`${rel} resolves outside the model folder`);
		return (await stat(abs)).isFile() ? abs : null;
	};
	const json = async (rel: string) => {
		const abs = await inside(rel);
		if (!abs) throw new Error(`missing required file ${rel}`);
		try {
			return { abs, value: JSON.parse(await readFile(abs, 'utf8')) };
		} catch (e) {
			throw new Error(`${rel} is not valid JSON: ${(e as Error).message}`, { cause: e });
		}
	};
	const config = await json(MLC_CONFIG);
	const cache = await json(MLC_TENSOR_CACHE);
	webLlmRequirements(config.value, cache.value);
	const shards = ((cache.value.records ?? []) as { dataPath?: unknown }[]).map((r) => r.dataPath);
	if (shards.length === 0 || shards.some((p) => typeof p !== 'string' || p.includes('..') || path.isAbsolute(p)))
		throw new Error(`${MLC_TENSOR_CACHE} must list its weight shards by relative dataPath`);
	const files: HfFolder['files'] = [
		{ path: MLC_CONFIG, absPath: config.abs },
		{ path: MLC_TENSOR_CACHE, absPath: cache.abs }
	];
	for (const shard of shards as string[]) {
		const abs = await inside(shard);
		if (!abs) throw new Error(`missing weight shard ${shard} (listed in ${MLC_TENSOR_CACHE})`);
		files.push({ path: shard, absPath: abs });
	}
	for (const rel of TOKENIZER_FILES) {
		const abs = await inside(rel);
		if (abs) files.push({ path: rel, absPath: abs });
	}
	if (!files.some((f) => f.path.startsWith('tokenizer'))) throw new Error('missing the tokenizer (tokenizer.json or tokenizer.model)');
	const libs = (await readdir(root)).filter((f) => f.endsWith('.wasm'));
	if (libs.length !== 1) throw new Error(`a WebLLM folder needs exactly one model library (.wasm), found ${libs.length}`);
	files.push({ path: libs[0], absPath: (await inside(libs[0]))! });
	return { taskTypes: ['text_generation'], files };
}
