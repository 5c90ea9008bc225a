import type { ModelManifest, TaskType } from '../protocol/models';
import type { RunnableTask, RunOptions } from './run-options';
import { pickVariant, variantPath, variantPreference, type ModelVariant } from '../protocol/variants';
import type { ModelFileSource } from './model-files';
import type { OrtRuntime } from './ort-runtime';
import { LOADERS, type LoadedModel, type LoaderEnv } from './model-loaders';
import { isWebLlmModel } from '../protocol/web-llm';

export interface RunOutcome {
	outputs: unknown[];
	/** The model variant that computed the outputs; results are only compared within one variant. */
	variant: ModelVariant;
}

/** Loaded models kept per runner; the least recently used one is released past this. */
const KEEP_MODELS = 2;

/**
 * Runs tasks of every supported type on one onnxruntime (web or node): picks the model variant the
 * backend does best, loads each model once, keeps a few warm, and reports progress as inputs finish
 * so an abort lands quickly. The browser worker and the headless volunteer both run tasks through this.
 */
export class TaskRunner {
	private models = new Map<string, Promise<LoadedModel>>();

	constructor(
		private readonly ort: OrtRuntime,
		private readonly files: ModelFileSource,
		private readonly sessionOptions: object = {},
		private readonly preference: readonly ModelVariant[] = variantPreference('native'),
		private readonly webLlm?: LoaderEnv['webLlm']
	) {}

	static readonly taskTypes: TaskType[] = ['embedding', 'text_generation', 'classification', 'image_classification'];

	async run(task: RunnableTask, opts: RunOptions = {}): Promise<RunOutcome> {
		if (!TaskRunner.taskTypes.includes(task.taskType)) throw new Error(`this volunteer cannot run ${task.taskType} tasks`);
		// A WebLLM build is one variant by itself (its quantisation is in its id), recorded as the model's only one.
		const variant = isWebLlmModel(task.model) ? 'fp32' : pickVariant(task.model, this.preference, task.variant ?? task.params.variant);
		const model = await this.load(task.taskType, task.model, variant);
		const outputs = await model.run(task.inputs, task.params, { ...opts, files: this.files });
		return { outputs, variant };
	}

	/** Loads (or reuses) a model; failures are not cached, so the next task tries again. */
	private load(type: TaskType, model: ModelManifest, variant: ModelVariant): Promise<LoadedModel> {
		const graph = variantPath(model, variant) ?? '';
		const key = `${type}:${model.id}@${model.files.find((f) => f.path === graph)?.sha256 ?? model.files[0].sha256}`;
		let loaded = this.models.get(key);
		if (loaded) {
			this.models.delete(key); // re-insert: Map order is the LRU order
		} else {
			loaded = LOADERS[type]({ ort: this.ort, files: this.files, sessionOptions: this.sessionOptions, webLlm: this.webLlm }, model, graph);
			loaded.catch(() => this.models.delete(key));
		}
		this.models.set(key, loaded);
		this.evict();
		return loaded;
	}

	private evict() {
		while (this.models.size > KEEP_MODELS) {
			const [oldest, model] = this.models.entries().next().value!;
			this.models.delete(oldest);
			void model.then((m) => m.release()).catch(() => {});
		}
	}

	async release(): Promise<void> {
		const all = [...this.models.values()];
		this.models.clear();
		await Promise.allSettled(all.map((p) => p.then((m) => m.release())));
	}
}
