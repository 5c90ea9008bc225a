/**
 * The `/v1` request bodies, bounded by the hub's submission limits (a hub passes its own): what the /v1
 * routes and batch lines parse, and what the OpenAPI document describes. Token arrays as input are refused
 * with a clear message (volunteers tokenize text themselves), and OpenAI features the volunteers' executor
 * does not have (n > 1, penalties, logprobs, tools) are refused by name rather than ignored, so a client
 * never gets an answer computed differently from what it asked.
 */
import { z } from 'zod';
import { MAX_GENERATED_TOKENS } from '../generation';
import { perLimits, type SubmissionLimits } from '../jobs';

/** The endpoints a batch line may call (server/openai/plan-request.ts maps each to its request schema). */
export const BATCH_ENDPOINT_PATHS = ['/v1/embeddings', '/v1/chat/completions', '/v1/completions'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINT_PATHS)[number];

export const embeddingsRequestSchema = perLimits((limits) => {
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
});

export type EmbeddingsRequest = z.infer<ReturnType<typeof embeddingsRequestSchema>>;

const STOP_MAX = 4;

/** What both endpoints share: OpenAI's sampling fields, as ExoStack's text generation runs them. */
function samplingFields() {
	const maxTokens = z
		.number()
		.int()
		.min(1, 'must be at least 1')
		.max(MAX_GENERATED_TOKENS, `volunteers generate at most ${MAX_GENERATED_TOKENS} tokens per request`);
	const stopText = z.string().min(1, 'a stop sequence must not be empty').max(200, 'a stop sequence must be at most 200 characters');
	return {
		model: z.string({ error: 'model must name a model (see GET /v1/models)' }).min(1, 'model must name a model (see GET /v1/models)'),
		max_tokens: maxTokens.nullish(),
		/** OpenAI's default is 1: sampling. 0 is greedy decoding. */
		temperature: z.number().min(0, 'must be 0 to 2').max(2, 'must be 0 to 2').nullish(),
		top_p: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').nullish(),
		stop: z.union([stopText, z.array(stopText).max(STOP_MAX, `at most ${STOP_MAX} stop sequences`)]).nullish(),
		seed: z.number().int().min(0, 'must be 0 to 4294967295').max(0xffffffff, 'must be 0 to 4294967295').nullish(),
		n: z.literal(1, 'only n = 1 is supported: each request makes one completion').nullish(),
		stream: z.boolean().nullish(),
		stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullish(),
		/** Accepted at their neutral values only: the executor has no penalties. */
		presence_penalty: z.literal(0, 'presence penalties are not supported (only 0)').nullish(),
		frequency_penalty: z.literal(0, 'frequency penalties are not supported (only 0)').nullish(),
		logprobs: z.union([z.literal(false), z.null()], 'logprobs are not supported').optional(),
		/** OpenAI's end-user id for abuse monitoring: accepted and not stored. */
		user: z.string().max(256).optional()
	};
}

export const completionsRequestSchema = perLimits((limits) => {
	const prompt = z
		.string({ error: 'prompt must be a string (token arrays are not supported)' })
		.min(1, 'a prompt must not be empty')
		.max(limits.maxInputChars, `a prompt must be at most ${limits.maxInputChars} characters`);
	return z.strictObject({
		...samplingFields(),
		prompt: z.union([
			prompt,
			z
				.array(prompt)
				.min(1, 'prompt must hold at least one item')
				.max(limits.maxInputs, `prompt must hold at most ${limits.maxInputs} items`)
		]),
		echo: z.literal(false, 'echo is not supported').optional()
	});
});
export type CompletionsRequest = z.infer<ReturnType<typeof completionsRequestSchema>>;

function chatMessage(limits: SubmissionLimits) {
	const text = z.string().max(limits.maxInputChars, `a message must be at most ${limits.maxInputChars} characters`);
	return z.strictObject({
		role: z.enum(
			['system', 'developer', 'user', 'assistant'],
			'role must be system, developer, user or assistant (tools are not supported)'
		),
		content: z.union([
			text,
			z
				.array(z.strictObject({ type: z.literal('text', 'only text content parts are supported'), text }))
				.max(64, 'at most 64 content parts')
		]),
		name: z.string().max(64).optional()
	});
}
export type ChatMessage = z.infer<ReturnType<typeof chatMessage>>;

/** The messages are rendered into one prompt, which the route checks against the limit on an input's characters. */
export const chatRequestSchema = perLimits((limits) => {
	return z.strictObject({
		...samplingFields(),
		messages: z
			.array(chatMessage(limits))
			.min(1, 'messages must hold at least one message')
			.max(256, 'messages must hold at most 256 messages'),
		max_completion_tokens: samplingFields().max_tokens
	});
});
export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;

export const CreateBatchRequest = z.strictObject({
	input_file_id: z.string().min(1).max(128),
	endpoint: z.enum(BATCH_ENDPOINT_PATHS),
	completion_window: z.literal('24h', { error: 'completion_window must be "24h"' }),
	metadata: z
		.record(z.string().max(64), z.string().max(512))
		.refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
		.nullish()
});
export type CreateBatchRequest = z.infer<typeof CreateBatchRequest>;

/**
 * A page's cursor: `after` (the last id of the previous page) and `limit`, within OpenAI's bounds for the
 * list. Other parameters are ignored, as OpenAI ignores them (a client's cache-buster must not be a 400).
 */
function cursor(max: number, dflt: number) {
	return z.object({
		after: z.string().max(128).optional().describe('the last id of the previous page'),
		limit: z
			.number(`must be a whole number from 1 to ${max}`)
			.int(`must be a whole number from 1 to ${max}`)
			.min(1, `must be a whole number from 1 to ${max}`)
			.max(max, `must be a whole number from 1 to ${max}`)
			.default(dflt)
			.optional()
	});
}

/** `GET /v1/files`'s query: the caller's files, newest first unless `order=asc`, of one purpose if named. */
export const FileListQuery = cursor(10_000, 10_000).extend({
	order: z.enum(['asc', 'desc'], 'must be "asc" or "desc"').default('desc').optional().describe('by creation time'),
	purpose: z.string().max(64, 'must be at most 64 characters').optional()
});
export type FileListQuery = z.infer<typeof FileListQuery>;

/** `GET /v1/batches`'s query. */
export const BatchListQuery = cursor(100, 20);
