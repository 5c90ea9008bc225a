import type { ModelManifest, TaskType } from '../protocol/models';
import { EmbeddingExecutor } from './embedding-executor';
import { findFile, readJsonFile, type ModelFileSource } from './model-files';
import type { OrtRuntime } from './ort-runtime';

export interface RunnableTask {
	taskType: TaskType;
	model: ModelManifest;
	inputs: string[];
	params: Record<string, unknown>;
}

export interface RunOptions {
	signal?: AbortSignal;
	/** Called after each slice of inputs with how many are done: the caller renews its lease with it. */
	onProgress?: (done: number) => void;
}

/** Inputs computed between progress reports and abort checks: small enough to stop within a second. */
const SLICE = 8;
/** Loaded models kept per runner; the least recently used one is released past this. */
const KEEP_MODELS = 2;

/**
 * Runs tasks of any supported type on one onnxruntime (web or node): loads each model once, keeps a
 * few warm, and computes a task's inputs in slices so progress flows and an abort lands quickly.
 * The browser worker and the headless volunteer both run tasks through this.
 */
export class TaskRunner {
	private executors = new Map<string, Promise<EmbeddingExecutor>>();

	constructor(
		private readonly ort: OrtRuntime,
		private readonly files: ModelFileSource,
		private readonly sessionOptions: object = {}
	) {}

	static readonly taskTypes: TaskType[] = ['embedding'];

	async run(task: RunnableTask, opts: RunOptions = {}): Promise<unknown[]> {
		if (task.taskType !== 'embedding') throw new Error(`this volunteer cannot run ${task.taskType} tasks`);
		const executor = await this.embedding(task.model);
		const outputs: number[][] = [];
		for (let start = 0; start < task.inputs.length; start += SLICE) {
			outputs.push(...(await executor.embed(task.inputs.slice(start, start + SLICE), { signal: opts.signal })));
			opts.onProgress?.(outputs.length);
		}
		return outputs;
	}

	/** Loads (or reuses) a model; failures are not cached, so the next task tries again. */
	private embedding(model: ModelManifest): Promise<EmbeddingExecutor> {
		const key = `${model.id}@${findFile(model, 'onnx/model.onnx')?.sha256}`;
		let executor = this.executors.get(key);
		if (executor) {
			this.executors.delete(key); // re-insert: Map order is the LRU order
		} else {
			executor = this.loadEmbedding(model);
			executor.catch(() => this.executors.delete(key));
		}
		this.executors.set(key, executor);
		this.evict();
		return executor;
	}

	private async loadEmbedding(model: ModelManifest): Promise<EmbeddingExecutor> {
		if (!model.embedding) throw new Error(`model ${model.id} has no embedding configuration`);
		const weights = findFile(model, 'onnx/model.onnx');
		if (!weights) throw new Error(`model ${model.id} has no onnx/model.onnx`);
		const [bytes, tokenizer, tokenizerConfig] = await Promise.all([
			this.files.read(weights),
			readJsonFile(this.files, model, 'tokenizer.json'),
			readJsonFile(this.files, model, 'tokenizer_config.json', {})
		]);
		return EmbeddingExecutor.create(this.ort, { model: bytes, tokenizer, tokenizerConfig }, model.embedding, this.sessionOptions);
	}

	private evict() {
		while (this.executors.size > KEEP_MODELS) {
			const [oldest, executor] = this.executors.entries().next().value!;
			this.executors.delete(oldest);
			void executor.then((e) => e.release()).catch(() => {});
		}
	}

	async release(): Promise<void> {
		const all = [...this.executors.values()];
		this.executors.clear();
		await Promise.allSettled(all.map((p) => p.then((e) => e.release())));
	}
}
