import { randomInt } from 'node:crypto';
import type { z } from 'zod';
import { ClassificationParams, EmbeddingParams, GenerationParams } from '../../protocol/generation';
import { imageRefDigest } from '../../protocol/images';
import type { ModelManifest, TaskType } from '../../protocol/models';
import { modelVariants } from '../../protocol/variants';

const SCHEMAS: Record<TaskType, z.ZodType<Record<string, unknown>>> = {
	embedding: EmbeddingParams,
	text_generation: GenerationParams,
	classification: ClassificationParams,
	image_classification: ClassificationParams
};

export type ParamsOutcome = { ok: true; params: Record<string, unknown> } | { ok: false; error: string };

/**
 * A submission's `params`, checked against its task type and completed with defaults before they are
 * stored, so every volunteer that runs a task of the job reads the same settings. A sampling job
 * without a seed gets one here: replicas of its tasks then draw the same tokens.
 */
export function normalizeParams(taskType: TaskType, model: ModelManifest, raw: Record<string, unknown>): ParamsOutcome {
	const parsed = SCHEMAS[taskType].safeParse(raw);
	if (!parsed.success) {
		return { ok: false, error: parsed.error.issues.map((i) => `params.${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
	}
	const params: Record<string, unknown> = { ...parsed.data };
	if (params.variant !== undefined && !modelVariants(model).includes(params.variant as never)) {
		return {
			ok: false,
			error: `params.variant: model "${model.id}" has no ${params.variant} variant (it has ${modelVariants(model).join(', ')})`
		};
	}
	if (taskType === 'text_generation' && (params.temperature as number) > 0 && params.seed === undefined)
		params.seed = randomInt(0, 2 ** 32 - 1);
	return { ok: true, params };
}

/** Image inputs must name images already stored on the hub (POST /api/images); the first that does not is reported. */
export async function checkImageInputs(inputs: string[], isStoredImage: (sha256: string) => Promise<boolean>): Promise<string | null> {
	for (const [i, input] of inputs.entries()) {
		const sha256 = imageRefDigest(input);
		if (!sha256) return `input ${i} must name an uploaded image as sha256:<digest> (upload it with POST /api/images)`;
		if (!(await isStoredImage(sha256)))
			return `input ${i}: no image with sha256 ${sha256} is stored on this hub (upload it with POST /api/images)`;
	}
	return null;
}
