/**
 * The `/v1` answers, in OpenAI's shapes: what the hub's /v1 views are typed by and the OpenAPI document
 * describes. Times are Unix seconds, as OpenAI's are.
 */
import { z } from 'zod';

/** Every `/v1` refusal: OpenAI's error object, so its SDKs raise their typed errors. */
export const OpenAiErrorBody = z.object({
	error: z.object({
		message: z.string(),
		type: z.enum(['invalid_request_error', 'authentication_error', 'insufficient_quota', 'server_error']),
		param: z.string().nullable(),
		code: z.string().nullable()
	})
});

const Seconds = z.number().int();

export const ModelObject = z.object({ id: z.string(), object: z.literal('model'), created: Seconds, owned_by: z.string() });
export type ModelObject = z.infer<typeof ModelObject>;
export const ModelList = z.object({ object: z.literal('list'), data: z.array(ModelObject) });

export const EmbeddingsResponse = z.object({
	object: z.literal('list'),
	data: z.array(
		z.object({
			object: z.literal('embedding'),
			index: z.number().int(),
			embedding: z.union([z.array(z.number()), z.string()]).describe('floats, or little-endian float32 bytes in base64')
		})
	),
	model: z.string(),
	usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() })
});
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponse>;

const Usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });
const Finish = z.enum(['stop', 'length']);

export const CompletionResponse = z.object({
	id: z.string(),
	object: z.literal('text_completion'),
	created: Seconds,
	model: z.string(),
	choices: z.array(z.object({ index: z.number().int(), text: z.string(), logprobs: z.null(), finish_reason: Finish })),
	usage: Usage
});
export type CompletionResponse = z.infer<typeof CompletionResponse>;

export const ChatCompletionResponse = z.object({
	id: z.string(),
	object: z.literal('chat.completion'),
	created: Seconds,
	model: z.string(),
	choices: z.array(
		z.object({
			index: z.number().int(),
			message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
			logprobs: z.null(),
			finish_reason: Finish
		})
	),
	usage: Usage
});
export type ChatCompletionResponse = z.infer<typeof ChatCompletionResponse>;

export const FileObject = z.object({
	id: z.string(),
	object: z.literal('file'),
	bytes: z.number().int(),
	created_at: Seconds,
	filename: z.string(),
	purpose: z.string(),
	status: z.literal('processed'),
	expires_at: z.null(),
	status_details: z.null()
});
export type FileObject = z.infer<typeof FileObject>;

/** A page of a list, OpenAI's cursor paging: pass `last_id` as `after` while `has_more`. */
const page = <T extends z.ZodType>(item: T) =>
	z.object({
		object: z.literal('list'),
		data: z.array(item),
		has_more: z.boolean(),
		first_id: z.string().nullable(),
		last_id: z.string().nullable()
	});
export const FileList = page(FileObject);
export const FileDeleted = z.object({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) });
export type FileDeleted = z.infer<typeof FileDeleted>;

const Nullable = Seconds.nullable();
export const BatchObject = z.object({
	id: z.string(),
	object: z.literal('batch'),
	endpoint: z.string(),
	errors: z
		.object({
			object: z.literal('list'),
			data: z.array(z.object({ code: z.string(), message: z.string(), param: z.null(), line: z.null() }))
		})
		.nullable(),
	input_file_id: z.string(),
	completion_window: z.literal('24h'),
	status: z.string().describe('validating, in_progress, finalizing, completed, failed, expired, cancelling or cancelled'),
	output_file_id: z.string().nullable(),
	error_file_id: z.string().nullable(),
	created_at: Seconds,
	in_progress_at: Nullable,
	expires_at: Seconds,
	finalizing_at: Nullable,
	completed_at: Nullable,
	failed_at: Nullable,
	expired_at: Nullable,
	cancelling_at: Nullable,
	cancelled_at: Nullable,
	request_counts: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int() }),
	metadata: z.record(z.string(), z.string()).nullable()
});
export type BatchObject = z.infer<typeof BatchObject>;
export const BatchList = page(BatchObject);
