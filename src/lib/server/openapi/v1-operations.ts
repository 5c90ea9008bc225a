/**
 * The contract of the OpenAI-compatible `/v1` endpoints. Their answers' schemas are shared
 * (protocol/rest/openai.ts); their request schemas stay beside the handlers that parse them (server/openai/),
 * which is why this list is the server's: the document joins it to the shared one.
 */
import { z } from 'zod';
import { defineOperations, type Reply } from '../../protocol/rest/operation';
import {
	BatchList,
	BatchObject,
	ChatCompletionResponse,
	CompletionResponse,
	EmbeddingsResponse,
	FileDeleted,
	FileList,
	FileObject,
	ModelList,
	ModelObject,
	OpenAiErrorBody
} from '../../protocol/rest/openai';
import { CreateBatchRequest } from '../openai/batches/create-batch';
import { embeddingsRequestSchema } from '../openai/embeddings-request';
import { chatRequestSchema, completionsRequestSchema } from '../openai/generation-request';

/** The hub's default limits (EXOSTACK_MAX_INPUTS, EXOSTACK_MAX_INPUT_CHARS); a hub may set others. */
const LIMITS = { maxInputs: 10_000, maxInputChars: 20_000 };

const MEANINGS: Record<number, string> = {
	400: 'invalid request (`param` names the field)',
	401: 'missing or unknown API key',
	404: 'no such model, file or batch (or not yours)',
	413: 'the body is too large',
	415: 'the body has the wrong media type',
	422: 'the Idempotency-Key was used with another body',
	429: 'over a quota; see Retry-After',
	503: 'no volunteer can serve the model now; see Retry-After'
};
const errors = (...statuses: number[]): Record<number, Reply> =>
	Object.fromEntries(statuses.map((s) => [s, { description: MEANINGS[s], schema: OpenAiErrorBody }]));
const idempotency = { 'Idempotency-Key': 'a retry with the same key and body answers the first result; another body is a 422' };
const Id = z.object({ id: z.string() });
const cursor = (max: number, dflt: number) =>
	z.object({
		after: z.string().optional().describe('the last id of the previous page'),
		limit: z.number().int().min(1).max(max).default(dflt).optional()
	});
/** With `stream: true`, the same answer as chunks, `data: {…}` lines, then `data: [DONE]`. */
const streamed = { type: 'text/event-stream', schema: z.string() };

export const V1_OPERATIONS = defineOperations([
	{
		method: 'get',
		path: '/v1/models',
		tag: 'openai',
		summary: 'The models this hub has',
		auth: 'key',
		responses: { 200: { description: 'the models', schema: ModelList }, ...errors(401) }
	},
	{
		method: 'get',
		path: '/v1/models/{id}',
		tag: 'openai',
		summary: 'One model',
		auth: 'key',
		params: z.object({ id: z.string().describe('may hold slashes (`org/name`)') }),
		responses: { 200: { description: 'the model', schema: ModelObject }, ...errors(401, 404) }
	},
	{
		method: 'post',
		path: '/v1/embeddings',
		tag: 'openai',
		summary: 'Embed text, computed by volunteers',
		auth: 'key',
		headers: idempotency,
		body: { schema: embeddingsRequestSchema(LIMITS), example: { model: 'demo-embedding', input: ['Hello world'] } },
		responses: {
			200: { description: 'one vector per input', schema: EmbeddingsResponse },
			...errors(400, 401, 404, 413, 415, 422, 429, 503)
		}
	},
	{
		method: 'post',
		path: '/v1/completions',
		tag: 'openai',
		summary: 'Complete a prompt, computed by volunteers',
		auth: 'key',
		headers: idempotency,
		body: { schema: completionsRequestSchema(LIMITS), example: { model: 'demo-generation', prompt: 'Once upon a time', max_tokens: 16 } },
		responses: {
			200: {
				description: 'the completion; with `stream: true`, server-sent events ending with `data: [DONE]`',
				schema: CompletionResponse,
				also: streamed
			},
			...errors(400, 401, 404, 413, 415, 422, 429, 503)
		}
	},
	{
		method: 'post',
		path: '/v1/chat/completions',
		tag: 'openai',
		summary: "Answer a conversation, rendered with the model's chat template",
		auth: 'key',
		headers: idempotency,
		body: { schema: chatRequestSchema(LIMITS), example: { model: 'demo-generation', messages: [{ role: 'user', content: 'Hello' }] } },
		responses: {
			200: {
				description: 'the completion; with `stream: true`, server-sent events ending with `data: [DONE]`',
				schema: ChatCompletionResponse,
				also: streamed
			},
			...errors(400, 401, 404, 413, 415, 422, 429, 503)
		}
	},
	{
		method: 'post',
		path: '/v1/files',
		tag: 'openai',
		summary: "Upload a batch's JSONL input (purpose batch)",
		description: 'Every line is checked on upload: `{custom_id, method: "POST", url, body}`.',
		auth: 'key',
		body: {
			type: 'multipart/form-data',
			schema: z.object({ file: z.string().describe('the JSONL file'), purpose: z.literal('batch') })
		},
		responses: { 200: { description: 'the file', schema: FileObject }, ...errors(400, 401, 413) }
	},
	{
		method: 'get',
		path: '/v1/files',
		tag: 'openai',
		summary: "The caller's files, paged (newest first unless `order=asc`)",
		auth: 'key',
		query: cursor(10_000, 10_000).extend({
			order: z.enum(['asc', 'desc']).default('desc').optional().describe('by creation time'),
			purpose: z.string().optional()
		}),
		responses: { 200: { description: 'a page of files', schema: FileList }, ...errors(400, 401) }
	},
	{
		method: 'get',
		path: '/v1/files/{id}',
		tag: 'openai',
		summary: 'One file',
		auth: 'key',
		params: Id,
		responses: { 200: { description: 'the file', schema: FileObject }, ...errors(401, 404) }
	},
	{
		method: 'delete',
		path: '/v1/files/{id}',
		tag: 'openai',
		summary: 'Delete a file',
		auth: 'key',
		params: Id,
		responses: { 200: { description: 'deleted', schema: FileDeleted }, ...errors(401, 404) }
	},
	{
		method: 'get',
		path: '/v1/files/{id}/content',
		tag: 'openai',
		summary: "A file's bytes: a batch's input, output or errors",
		auth: 'key',
		params: Id,
		responses: { 200: { description: 'JSON Lines', type: 'application/jsonl', schema: z.string() }, ...errors(401, 404) }
	},
	{
		method: 'post',
		path: '/v1/batches',
		tag: 'openai',
		summary: 'Create a batch: one job per line of an uploaded file',
		auth: 'key',
		headers: idempotency,
		body: { schema: CreateBatchRequest, example: { input_file_id: 'file-abc123', endpoint: '/v1/embeddings', completion_window: '24h' } },
		responses: { 200: { description: 'the batch', schema: BatchObject }, ...errors(400, 401, 404, 413, 415, 422, 429) }
	},
	{
		method: 'get',
		path: '/v1/batches',
		tag: 'openai',
		summary: "The caller's batches, newest first, paged",
		auth: 'key',
		query: cursor(100, 20),
		responses: { 200: { description: 'a page of batches', schema: BatchList }, ...errors(400, 401) }
	},
	{
		method: 'get',
		path: '/v1/batches/{id}',
		tag: 'openai',
		summary: 'One batch',
		auth: 'key',
		params: Id,
		responses: { 200: { description: 'the batch', schema: BatchObject }, ...errors(401, 404) }
	},
	{
		method: 'post',
		path: '/v1/batches/{id}/cancel',
		tag: 'openai',
		summary: 'Cancel a batch: its open jobs are cancelled',
		auth: 'key',
		params: Id,
		responses: { 200: { description: 'the batch, cancelling or cancelled', schema: BatchObject }, ...errors(401, 404) }
	}
]);
