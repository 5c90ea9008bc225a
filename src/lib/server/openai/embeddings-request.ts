/**
 * `POST /v1/embeddings`'s body, bounded by the same limits as a job submission. OpenAI also takes token
 * arrays as input; volunteers tokenize text themselves, so those are refused with a clear message.
 */
import { z } from 'zod';
import type { SubmissionLimits } from '../../protocol/jobs';

export function embeddingsRequestSchema(limits: SubmissionLimits) {
	const text = z
		.string({ error: 'input must be a string or an array of strings (token arrays are not supported)' })
		.min(1, 'an input must not be empty')
		.max(limits.maxInputChars, `an input must be at most ${limits.maxInputChars} characters`);
	return z.strictObject({
		model: z.string({ error: 'model must name a model (see GET /v1/models)' }).min(1, 'model must name a model (see GET /v1/models)'),
		input: z.union([
			text,
			z.array(text).min(1, 'input must hold at least one item').max(limits.maxInputs, `input must hold at most ${limits.maxInputs} items`)
		]),
		encoding_format: z.enum(['float', 'base64']).default('float'),
		/** Only a model's own width: volunteers do not truncate vectors. Checked against the model by the route. */
		dimensions: z.number().int().positive().optional(),
		/** OpenAI's end-user id for abuse monitoring: accepted and not stored. */
		user: z.string().max(256).optional()
	});
}
