/**
 * Parameters and outputs of the AI task types beyond embeddings, shared by the hub (which validates
 * submissions and results) and the volunteers (which run them).
 */
import { z } from 'zod';
import { ModelVariant } from './variants';

export const MAX_GENERATED_TOKENS = 2048;
export const MAX_TEXT_CHARS = 100_000;

const seed = z.number().int().min(0).max(0xffffffff);

/**
 * `params` of a text_generation job. Temperature 0 (the default) is greedy decoding; above 0 the
 * next token is sampled from the top-p / top-k nucleus with a generator seeded by `seed`. The hub
 * fills in a seed when a sampling job has none, so every replica of a task draws the same numbers.
 */
export const GenerationParams = z.strictObject({
	max_tokens: z.number().int().min(1).max(MAX_GENERATED_TOKENS).default(64),
	temperature: z.number().min(0).max(5).default(0),
	top_p: z.number().gt(0).max(1).default(1),
	top_k: z.number().int().min(0).max(100_000).default(0),
	stop: z
		.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(8)])
		.optional()
		.transform((s) => (s === undefined ? [] : typeof s === 'string' ? [s] : s)),
	seed: seed.optional(),
	variant: ModelVariant.optional()
});
export type GenerationParams = z.output<typeof GenerationParams>;

export const FINISH_REASONS = ['length', 'eos', 'stop'] as const;

/** One prompt's result: the completion (prompt excluded), its token ids, and why generation ended. */
export const GenerationOutput = z.strictObject({
	text: z.string().max(MAX_TEXT_CHARS),
	tokens: z.array(z.number().int().nonnegative()).max(MAX_GENERATED_TOKENS),
	finish_reason: z.enum(FINISH_REASONS)
});
export type GenerationOutput = z.infer<typeof GenerationOutput>;

/** `params` of a classification or image_classification job: how many labels to return per input (0: all). */
export const ClassificationParams = z.strictObject({
	top_k: z.number().int().min(0).max(10_000).default(5),
	variant: ModelVariant.optional()
});
export type ClassificationParams = z.output<typeof ClassificationParams>;

/** One input's labels, best first, with softmax scores. */
export const ClassificationOutput = z.array(z.strictObject({ label: z.string().max(500), score: z.number().min(0).max(1) })).max(10_000);
export type ClassificationOutput = z.infer<typeof ClassificationOutput>;

export const EmbeddingParams = z.strictObject({ variant: ModelVariant.optional() });
