import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { TaskType, type EmbeddingConfig } from '../../protocol/models';
import { deriveEmbeddingConfig } from './hf-embedding-config';
import { readGraphIo, type GraphIo } from './onnx-graph-io';
import { checkTaskFit, inferTaskType, requiredFiles } from './hf-task-checks';
import { GRAPH_STEMS, MODEL_VARIANTS, variantFile } from '../../protocol/variants';

export interface HfFolder {
	taskTypes: TaskType[];
	embedding?: EmbeddingConfig;
	/** What a volunteer needs, by path inside the folder; nothing else in the folder is served. */
	files: { path: string; absPath: string }[];
}

const OPTIONAL = [
	'tokenizer.json',
	'tokenizer_config.json',
	'special_tokens_map.json',
	'modules.json',
	'1_Pooling/config.json',
	'vocab.txt',
	'generation_config.json',
	'preprocessor_config.json',
	'vocab.json',
	'merges.txt'
];
/** Every variant of the graph a volunteer may pick from; at least one must be there. */
const GRAPHS = GRAPH_STEMS.flatMap((stem) => MODEL_VARIANTS.map((v) => variantFile(stem, v)));
/** Read for its max_seq_length but not served: the manifest already carries what it says. */
const SENTENCE_BERT_CONFIG = 'sentence_bert_config.json';

type Json = Record<string, unknown>;

/** The file's real path if it exists inside `root`; undefined if absent; throws if it escapes or is not a file. */
async function locate(root: string, rel: string): Promise<string | undefined> {
	let real: string;
	try {
		real = await realpath(path.join(root, rel));
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
		throw err;
	}
	if (!real.startsWith(root + path.sep)) {
		throw new Error(`${rel} resolves outside the model folder (to ${real}); copy the files into the folder instead of linking`);
	}
	if (!(await stat(real)).isFile()) throw new Error(`${rel} is not a regular file`);
	return real;
}

async function readJson(absPath: string, rel: string): Promise<unknown> {
	try {
		return JSON.parse(await readFile(absPath, 'utf8'));
	} catch (err) {
		throw new Error(`${rel} is not valid JSON: ${(err as Error).message}`, { cause: err });
	}
}

async function readJsonObject(absPath: string, rel: string): Promise<Json> {
	const value = await readJson(absPath, rel);
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new Error(`${rel} must contain a JSON object`);
	}
	return value as Json;
}

async function readGraph(absPath: string, rel: string): Promise<GraphIo> {
	let graph: GraphIo;
	try {
		graph = readGraphIo(await readFile(absPath));
	} catch (err) {
		throw new Error(`${rel} is not a valid ONNX model: ${(err as Error).message}`, { cause: err });
	}
	if (graph.usesExternalData) {
		throw new Error(`${rel} keeps weights in an external data file (${rel.slice(5)}_data), which is not supported`);
	}
	return graph;
}

/** The optional JSON files that shape the embedding config, parsed when present. */
async function readEmbeddingSources(found: Map<string, string>, root: string) {
	const json = async (rel: string, abs = found.get(rel)) => (abs ? readJsonObject(abs, rel) : undefined);
	const modulesPath = found.get('modules.json');
	return {
		tokenizerConfig: await json('tokenizer_config.json'),
		poolingConfig: await json('1_Pooling/config.json'),
		modules: modulesPath ? await readJson(modulesPath, 'modules.json') : undefined,
		sentenceBertConfig: await json(SENTENCE_BERT_CONFIG, await locate(root, SENTENCE_BERT_CONFIG))
	};
}

async function checkTokenizer(tokenizerPath: string, tokenizerConfig: Json | undefined): Promise<void> {
	const json = await readJsonObject(tokenizerPath, 'tokenizer.json');
	try {
		new Tokenizer(json, tokenizerConfig ?? {});
	} catch (err) {
		throw new Error(`tokenizer.json cannot be loaded: ${(err as Error).message}`, { cause: err });
	}
}

/**
 * Reads a model folder in the common Hugging Face ONNX layout (config.json,
 * tokenizer.json, onnx/model.onnx, optional sentence-transformers files) and
 * derives what a manifest needs. Errors name the folder and the offending file.
 */
export async function readHfFolder(dir: string, opts: { taskType?: TaskType } = {}): Promise<HfFolder> {
	try {
		return await readFolder(dir, opts);
	} catch (err) {
		throw new Error(`model folder ${dir}: ${(err as Error).message}`, { cause: err });
	}
}

async function readFolder(dir: string, opts: { taskType?: TaskType }): Promise<HfFolder> {
	const root = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
		throw err.code === 'ENOENT' ? new Error('does not exist') : err;
	});
	if (!(await stat(root)).isDirectory()) throw new Error('is not a directory');
	const found = new Map<string, string>();
	for (const rel of ['config.json', ...OPTIONAL, ...GRAPHS]) {
		const abs = await locate(root, rel);
		if (abs) found.set(rel, abs);
	}
	if (!found.has('config.json')) throw new Error('missing required file config.json');
	const config = await readJsonObject(found.get('config.json')!, 'config.json');
	const taskTypes = [opts.taskType ? TaskType.parse(opts.taskType) : inferTaskType(config)];
	for (const rel of requiredFiles(taskTypes[0])) if (!found.has(rel)) throw new Error(`missing required file ${rel}`);
	const graphs = GRAPHS.filter((rel) => found.has(rel));
	if (graphs.length === 0) throw new Error('missing required file onnx/model.onnx');
	const sources = await readEmbeddingSources(found, root);
	if (found.has('tokenizer.json')) await checkTokenizer(found.get('tokenizer.json')!, sources.tokenizerConfig);
	if (found.has('preprocessor_config.json')) await readJsonObject(found.get('preprocessor_config.json')!, 'preprocessor_config.json');
	// Every variant is read: a broken one must fail here, not on the volunteers that would pick it.
	const ios = new Map<string, GraphIo>();
	for (const rel of graphs) ios.set(rel, await readGraph(found.get(rel)!, rel));
	const graph = ios.get(graphs[0])!;
	checkTaskFit(taskTypes[0], config, graph);
	const embedding = taskTypes.includes('embedding') ? deriveEmbeddingConfig({ config, graph, ...sources }) : undefined;
	const files = [...found].map(([rel, absPath]) => ({ path: rel, absPath }));
	return { taskTypes, files, ...(embedding ? { embedding } : {}) };
}
