/**
 * Model file variants: the same model with its weights stored at another precision, named as the
 * Hugging Face / transformers.js ONNX exports name them (`onnx/model.onnx`, `onnx/model_fp16.onnx`,
 * `onnx/model_quantized.onnx`). Each volunteer runs the best variant its backend supports; results
 * of different variants are never compared with each other.
 */
import { z } from 'zod';
import type { Backend, BackendClass } from './volunteer';
import type { ModelManifest } from './models';

export const MODEL_VARIANTS = ['fp32', 'fp16', 'q8'] as const;
export const ModelVariant = z.enum(MODEL_VARIANTS);
export type ModelVariant = z.infer<typeof ModelVariant>;

const SUFFIX: Record<ModelVariant, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

/** Graph file stems, in the order they are looked for: optimum's merged decoder, then the plain export. */
export const GRAPH_STEMS = ['model', 'decoder_model_merged'] as const;

export function variantFile(stem: string, variant: ModelVariant): string {
	return `onnx/${stem}${SUFFIX[variant]}.onnx`;
}

/** The graph file of a variant in this model, if it has one. */
export function variantPath(model: Pick<ModelManifest, 'files'>, variant: ModelVariant): string | undefined {
	const paths = new Set(model.files.map((f) => f.path));
	return GRAPH_STEMS.map((stem) => variantFile(stem, variant)).find((p) => paths.has(p));
}

export function modelVariants(model: Pick<ModelManifest, 'files'>): ModelVariant[] {
	return MODEL_VARIANTS.filter((v) => variantPath(model, v) !== undefined);
}

/**
 * Preference per backend: a GPU with shader-f16 does best with half weights; a GPU without it, and
 * native onnxruntime, with full precision; WASM with int8 (a quarter of the download, and the
 * CPU path onnxruntime-web optimises most).
 */
export function variantPreference(backend: Backend, gpuFeatures: readonly string[] = []): ModelVariant[] {
	if (backend === 'webgpu') return gpuFeatures.includes('shader-f16') ? ['fp16', 'fp32', 'q8'] : ['fp32', 'fp16', 'q8'];
	if (backend === 'wasm') return ['q8', 'fp32', 'fp16'];
	return ['fp32', 'q8', 'fp16'];
}

/**
 * The variant a volunteer runs: the job's pinned one (`params.variant`) if the model has it, else the
 * first of the backend's preferences the model has.
 */
export function pickVariant(
	model: Pick<ModelManifest, 'files' | 'id'>,
	preference: readonly ModelVariant[],
	pinned?: unknown
): ModelVariant {
	const available = modelVariants(model);
	if (pinned !== undefined) {
		const wanted = ModelVariant.safeParse(pinned);
		if (!wanted.success) throw new Error(`params.variant must be one of ${MODEL_VARIANTS.join(', ')}`);
		if (!available.includes(wanted.data))
			throw new Error(`model ${model.id} has no ${wanted.data} variant (it has ${available.join(', ') || 'none'})`);
		return wanted.data;
	}
	const choice = preference.find((v) => available.includes(v));
	if (!choice) throw new Error(`model ${model.id} has no ONNX graph (onnx/model.onnx)`);
	return choice;
}

/**
 * The variant the hub has a backend class run (the lease carries it): the class's own preference among
 * the model's variants, or the job's pinned one. Decided by the hub, so a result's class is the lease's,
 * never the volunteer's word.
 */
export function variantForClass(model: Pick<ModelManifest, 'files' | 'id'>, cls: BackendClass, pinned?: unknown): ModelVariant {
	const preference =
		cls === 'webgpu-f16'
			? variantPreference('webgpu', ['shader-f16'])
			: cls === 'webgpu-f32'
				? variantPreference('webgpu')
				: variantPreference(cls);
	return pickVariant(model, preference, pinned);
}
