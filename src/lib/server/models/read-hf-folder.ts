import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { TaskType, type EmbeddingConfig } from '../../protocol/models';
import { deriveEmbeddingConfig } from './hf-embedding-config';
import { readGraphIo, type GraphIo } from './onnx-graph-io';

export interface HfFolder {
	taskTypes: TaskType[];
	embedding?: EmbeddingConfig;
	/** What a volunteer needs, by path inside the folder; nothing else in the folder is served. */
	files: { path: string; absPath: string }[];
}

const REQUIRED = ['config.json', 'tokenizer.json', 'onnx/model.onnx'];
const OPTIONAL = ['tokenizer_config.json', 'special_tokens_map.json', 'modules.json', '1_Pooling/config.json', 'vocab.txt'];
/** Read for its max_seq_length but not served: the manifest already carries what it says. */
const SENTENCE_BERT_CONFIG = 'sentence_bert_config.json';

const ENCODER_MODEL_TYPES = new Set([
	'bert', 'roberta', 'xlm-roberta', 'mpnet', 'distilbert', 'albert', 'electra', 'deberta', 'deberta-v2',
	'camembert', 'nomic_bert', 'modernbert', 'new', 'jina_bert', 'xlm-roberta-xl', 'ernie', 'luke'
]);
// Heads whose outputs are not text embeddings, though the body is an encoder.
const HEAD_ARCHITECTURE =
	/For(SequenceClassification|TokenClassification|QuestionAnswering|MultipleChoice|NextSentencePrediction)$/;

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
		throw new Error(
			`${rel} resolves outside the model folder (to ${real}); copy the files into the folder instead of linking`
		);
	}
	if (!(await stat(real)).isFile()) throw new Error(`${rel} is not a regular file`);
	return real;
}

async function readJson(absPath: string, rel: string): Promise<unknown> {
	try {
		return JSON.parse(await readFile(absPath, 'utf8'));
	} catch (err) {
		throw new Error(`${rel} is not valid JSON: ${(err as Error).message}`);
	}
}

async function readJsonObject(absPath: string, rel: string): Promise<Json> {
	const value = await readJson(absPath, rel);
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new Error(`${rel} must contain a JSON object`);
	}
	return value as Json;
}

/** `embedding` for encoder bodies (BERT, RoBERTa, MPNet, …); anything else needs an explicit taskType. */
function inferTaskType(config: Json): TaskType {
	const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
	const architectures = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
	const head = architectures.find((a) => HEAD_ARCHITECTURE.test(a));
	if (modelType && ENCODER_MODEL_TYPES.has(modelType) && !head) return 'embedding';
	throw new Error(
		`cannot infer the task type from config.json (model_type ${modelType ?? 'missing'}, ` +
			`architectures ${architectures.join(', ') || 'missing'}); pass taskType explicitly`
	);
}

async function readGraph(absPath: string): Promise<GraphIo> {
	let graph: GraphIo;
	try {
		graph = readGraphIo(await readFile(absPath));
	} catch (err) {
		throw new Error(`onnx/model.onnx is not a valid ONNX model: ${(err as Error).message}`);
	}
	if (graph.usesExternalData) {
		throw new Error('onnx/model.onnx keeps weights in an external data file (model.onnx_data), which is not supported');
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
		throw new Error(`tokenizer.json cannot be loaded: ${(err as Error).message}`);
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
	for (const rel of [...REQUIRED, ...OPTIONAL]) {
		const abs = await locate(root, rel);
		if (abs) found.set(rel, abs);
		else if (REQUIRED.includes(rel)) throw new Error(`missing required file ${rel}`);
	}
	const config = await readJsonObject(found.get('config.json')!, 'config.json');
	const taskTypes = [opts.taskType ? TaskType.parse(opts.taskType) : inferTaskType(config)];
	const sources = await readEmbeddingSources(found, root);
	await checkTokenizer(found.get('tokenizer.json')!, sources.tokenizerConfig);
	const graph = await readGraph(found.get('onnx/model.onnx')!);
	const embedding = taskTypes.includes('embedding') ? deriveEmbeddingConfig({ config, graph, ...sources }) : undefined;
	const files = [...found].map(([rel, absPath]) => ({ path: rel, absPath }));
	return { taskTypes, files, ...(embedding ? { embedding } : {}) };
}
