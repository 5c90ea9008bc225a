/**
 * What a model costs a volunteer to download, and whether its owner's limits (ModelLimits: the models
 * it serves, the largest download it accepts, what it has cached) let it take the model. One
 * definition for both ends: the hub leaves refused models out of the claim, and the volunteer checks
 * each lease again before it downloads anything (the hub's list of models can be a few seconds old).
 */
import type { ModelLimits } from './events';
import type { ModelFile, ModelManifest } from './models';
import { GRAPH_STEMS, MODEL_VARIANTS, modelVariants, variantFile, type ModelVariant } from './variants';

/**
 * The files a volunteer fetches to run `variant`: every file but the other variants' graphs and their
 * external data (`onnx/model_fp16.onnx_data` goes with `onnx/model_fp16.onnx`). A model without
 * variants (a WebLLM build) needs all of its files.
 */
function filesForVariant(model: Pick<ModelManifest, 'files'>, variant: ModelVariant): ModelFile[] {
	const others = new Set(MODEL_VARIANTS.filter((v) => v !== variant).flatMap((v) => GRAPH_STEMS.map((stem) => variantFile(stem, v))));
	return model.files.filter((f) => !others.has(f.path.replace(/_data$/, '')));
}

/**
 * Bytes still to download to run the model: its files less those in the cache, for the largest of its
 * variants. The largest, because a job may pin any variant (params.variant): counting the one a backend
 * prefers would let a pinned job past the limit, and the task would be leased and declined over and over.
 */
export function downloadBytes(model: Pick<ModelManifest, 'files'>, cached: ReadonlySet<string>): number {
	const missing = (files: ModelFile[]) => files.filter((f) => !cached.has(f.sha256)).reduce((n, f) => n + f.size, 0);
	const variants = modelVariants(model);
	if (variants.length === 0) return missing(model.files);
	return Math.max(...variants.map((v) => missing(filesForVariant(model, v))));
}

/** Why the owner's limits refuse this model (for the log and the tests), or null when they allow it. */
export function modelRefusal(model: Pick<ModelManifest, 'id' | 'files'>, limits: ModelLimits | undefined): string | null {
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
