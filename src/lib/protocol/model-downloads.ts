/**
 * What a model costs a volunteer to download, and whether its owner's limits (ModelLimits: the models
 * it serves, the largest download it accepts, what it has cached) let it take the model. One
 * definition for both ends: the hub leaves refused models out of the claim, and the volunteer checks
 * each lease again before it downloads anything (the hub's list of models can be a few seconds old).
 */
import type { ModelLimits } from './events';
import type { ModelFile, ModelManifest, TaskType } from './models';
import { modelVariants, variantPath, type ModelVariant } from './variants';

/**
 * The files besides a graph that each task type's executor reads (executor/model-loaders.ts): tokenizer,
 * model and preprocessing configs. Anything else in a model folder (a README, other exports) is never
 * fetched. A Record, so a new task type does not compile until its files are listed here.
 */
const READ_BESIDE_GRAPH: Record<TaskType, readonly string[]> = {
	embedding: ['tokenizer.json', 'tokenizer_config.json'],
	text_generation: ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'generation_config.json'],
	classification: ['tokenizer.json', 'tokenizer_config.json', 'config.json'],
	image_classification: ['config.json', 'preprocessor_config.json']
};

type Downloadable = Pick<ModelManifest, 'files' | 'taskTypes'>;

/** The files a volunteer fetches to run `variant` for any of the model's task types: its graph and the configs read beside it. */
function filesForVariant(model: Downloadable, variant: ModelVariant): ModelFile[] {
	const graph = variantPath(model, variant);
	const read = new Set(model.taskTypes.flatMap((t) => READ_BESIDE_GRAPH[t]));
	return model.files.filter((f) => f.path === graph || read.has(f.path));
}

/**
 * Bytes still to download to run the model: its files less those in the cache, for the largest of its
 * variants (a WebLLM build, which has none, reads all its files). The largest, because a job may pin any variant (params.variant): counting the one a backend
 * prefers would let a pinned job past the limit, and the task would be leased and declined over and over.
 */
export function downloadBytes(model: Downloadable, cached: ReadonlySet<string>): number {
	const missing = (files: ModelFile[]) => files.filter((f) => !cached.has(f.sha256)).reduce((n, f) => n + f.size, 0);
	const variants = modelVariants(model);
	if (variants.length === 0) return missing(model.files);
	return Math.max(...variants.map((v) => missing(filesForVariant(model, v))));
}

/** Why the owner's limits refuse this model (for the log and the tests), or null when they allow it. */
export function modelRefusal(model: Downloadable & Pick<ModelManifest, 'id'>, limits: ModelLimits | undefined): string | null {
	if (!limits) return null;
	if (limits.only && !limits.only.includes(model.id)) return `${model.id} is not among the models this machine serves`;
	if (limits.maxDownloadBytes === undefined) return null;
	const bytes = downloadBytes(model, new Set(limits.cached ?? []));
	if (bytes <= limits.maxDownloadBytes) return null;
	const mb = (n: number) => `${Math.ceil(n / 1e5) / 10} MB`;
	return limits.maxDownloadBytes === 0
		? `${model.id} needs a ${mb(bytes)} download and model downloads are paused`
		: `${model.id} needs a ${mb(bytes)} download, over this machine's ${mb(limits.maxDownloadBytes)} limit`;
}
