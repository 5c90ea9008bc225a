/**
 * How each task type loads a model and runs a task's inputs on it. Everything here runs the same in
 * the browser worker and in Node: the runtime and the file source are passed in.
 */
import { ClassificationParams, EmbeddingParams, GenerationParams } from '../protocol/generation';
import { imageRefDigest } from '../protocol/images';
import type { ModelManifest, TaskType } from '../protocol/models';
import { ImageClassifier, TextClassifier } from './classification-executor';
import { EmbeddingExecutor } from './embedding-executor';
import { decodeImage } from './image-decode';
import { imageProcessorConfig, preprocessImage } from './image-preprocess';
import { findFile, readJsonFile, type ModelFileSource } from './model-files';
import type { OrtRuntime } from './ort-runtime';
import { TextGenerationExecutor } from './text-generation-executor';
import type { RunOptions } from './run-options';
import { isWebLlmModel } from '../protocol/web-llm';
import { dutyCycled, inSlices } from './slices';

export interface LoadedModel {
	run(inputs: string[], params: Record<string, unknown>, ctx: RunOptions & { files: ModelFileSource }): Promise<unknown[]>;
	release(): Promise<void>;
}

export interface LoaderEnv {
	ort: OrtRuntime;
	files: ModelFileSource;
	sessionOptions: object;
	/** Loads WebLLM models; only a browser worker with WebGPU has one. */
	webLlm?: (model: ModelManifest) => Promise<LoadedModel>;
}

type Loader = (env: LoaderEnv, model: ModelManifest, graphPath: string) => Promise<LoadedModel>;

async function graphBytes(env: LoaderEnv, model: ModelManifest, graphPath: string): Promise<Uint8Array> {
	const file = findFile(model, graphPath);
	if (!file) throw new Error(`model ${model.id} has no ${graphPath}`);
	return env.files.read(file);
}

/** The longest input a text model takes: the tokenizer's limit or the position table, whichever is smaller. */
function maxTextLength(config: unknown, tokenizerConfig: unknown): number {
	const get = (o: unknown, k: string) => (o as Record<string, unknown> | null)?.[k];
	const limits = [get(tokenizerConfig, 'model_max_length'), get(config, 'max_position_embeddings')].filter(
		(v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 2 && v < 1e6
	);
	return Math.min(8192, ...(limits.length ? limits : [512]));
}

const embedding: Loader = async (env, model, graphPath) => {
	if (!model.embedding) throw new Error(`model ${model.id} has no embedding configuration`);
	const [bytes, tokenizer, tokenizerConfig] = await Promise.all([
		graphBytes(env, model, graphPath),
		readJsonFile(env.files, model, 'tokenizer.json'),
		readJsonFile(env.files, model, 'tokenizer_config.json', {})
	]);
	const executor = await EmbeddingExecutor.create(
		env.ort,
		{ model: bytes, tokenizer, tokenizerConfig },
		model.embedding,
		env.sessionOptions
	);
	return {
		run: (inputs, params, ctx) => {
			EmbeddingParams.parse(params);
			return inSlices(inputs, ctx, (slice) => executor.embed(slice, { signal: ctx.signal }));
		},
		release: () => executor.release()
	};
};

const textGeneration: Loader = async (env, model, graphPath) => {
	if (isWebLlmModel(model)) {
		if (!env.webLlm) throw new Error(`model ${model.id} runs on WebLLM, which needs a browser volunteer with WebGPU`);
		return env.webLlm(model);
	}
	const [bytes, tokenizer, tokenizerConfig, config, generationConfig] = await Promise.all([
		graphBytes(env, model, graphPath),
		readJsonFile(env.files, model, 'tokenizer.json'),
		readJsonFile(env.files, model, 'tokenizer_config.json', {}),
		readJsonFile(env.files, model, 'config.json'),
		readJsonFile(env.files, model, 'generation_config.json', {})
	]);
	const executor = await TextGenerationExecutor.create(
		env.ort,
		{ model: bytes, tokenizer, tokenizerConfig, config, generationConfig },
		env.sessionOptions
	);
	return {
		async run(inputs, params, ctx) {
			const parsed = GenerationParams.parse(params);
			// One prompt per step: a yield keeps every completion finished before it.
			return dutyCycled(
				inputs.length,
				ctx,
				async (index) => [
					await executor.generate(inputs[index], parsed, { signal: ctx.signal, onText: (delta) => ctx.onText?.(index, delta) })
				],
				1
			);
		},
		release: () => executor.release()
	};
};

const classification: Loader = async (env, model, graphPath) => {
	const [bytes, tokenizer, tokenizerConfig, config] = await Promise.all([
		graphBytes(env, model, graphPath),
		readJsonFile(env.files, model, 'tokenizer.json'),
		readJsonFile(env.files, model, 'tokenizer_config.json', {}),
		readJsonFile(env.files, model, 'config.json')
	]);
	const maxLength = maxTextLength(config, tokenizerConfig);
	const classifier = await TextClassifier.create(
		env.ort,
		{ model: bytes, tokenizer, tokenizerConfig, config, maxLength },
		env.sessionOptions
	);
	return {
		run: (inputs, params, ctx) => {
			const { top_k } = ClassificationParams.parse(params);
			return inSlices(inputs, ctx, (slice) => classifier.classify(slice, top_k));
		},
		release: () => classifier.release()
	};
};

const imageClassification: Loader = async (env, model, graphPath) => {
	const [bytes, config, preprocessor] = await Promise.all([
		graphBytes(env, model, graphPath),
		readJsonFile(env.files, model, 'config.json'),
		readJsonFile(env.files, model, 'preprocessor_config.json')
	]);
	const processing = imageProcessorConfig(preprocessor);
	const classifier = await ImageClassifier.create(env.ort, bytes, config, env.sessionOptions);
	const load = async (files: ModelFileSource, input: string) => {
		const sha256 = imageRefDigest(input);
		if (!sha256) throw new Error(`input "${input.slice(0, 80)}" is not an image reference (sha256:<hex>)`);
		const bytes = files.readInput ? await files.readInput(sha256) : await files.read({ path: `image ${sha256}`, sha256, size: 0 });
		return preprocessImage(decodeImage(bytes), processing);
	};
	return {
		run: (inputs, params, ctx) => {
			const { top_k } = ClassificationParams.parse(params);
			return inSlices(inputs, ctx, async (slice) => {
				const pixels = await Promise.all(slice.map((input) => load(ctx.files, input)));
				return classifier.classify(pixels, processing.height, processing.width, top_k);
			});
		},
		release: () => classifier.release()
	};
};

export const LOADERS: Record<TaskType, Loader> = {
	embedding,
	text_generation: textGeneration,
	classification,
	image_classification: imageClassification
};
