/**
 * The /v1 requests turned into ExoStack jobs, and their jobs' results into the endpoints' responses: one
 * place for both the synchronous endpoints and batches (openai/batches/), so a batch line's response is
 * exactly what the endpoint would have answered.
 */
import type { Hub } from '../hub';
import type { z } from 'zod';
import type { GenerationOutput } from '../../protocol/generation';
import type { Submission } from '../../protocol/jobs';
import type { ModelManifest } from '../../protocol/models';
import { renderChat } from './chat-template';
import type { embeddingsRequestSchema } from './embeddings-request';
import { invalidParam } from './errors';
import { planGeneration, type GenerationPlan } from './generate';
import { chatRequestSchema, completionsRequestSchema, generationParams } from './generation-request';
import { readModelJson } from './model-json';
import { modelFor } from './run-job';
import { tokenizerFor } from './token-counter';
import { chatCompletionView, completionView, embeddingsView } from './views';
import type { BatchEndpoint } from '../db/schema/states';

export type { BatchEndpoint };

export type EmbeddingsBody = z.infer<ReturnType<typeof embeddingsRequestSchema>>;
export type ChatBody = z.infer<ReturnType<typeof chatRequestSchema>>;
export type CompletionsBody = z.infer<ReturnType<typeof completionsRequestSchema>>;

/** OpenAI's default for completions. */
const COMPLETIONS_MAX_TOKENS = 16;
/** Without max_tokens: ExoStack's own default for generation jobs. */
const CHAT_MAX_TOKENS = 64;

/** An embeddings request's job (as the synchronous endpoint queues it) and its inputs' tokens. */
export async function planEmbeddings(hub: Hub, body: EmbeddingsBody): Promise<GenerationPlan & { model: ModelManifest }> {
	const model = await modelFor(hub, body.model, 'embedding');
	const width = model.embedding?.dimensions;
	if (body.dimensions !== undefined && body.dimensions !== width)
		throw invalidParam(
			'dimensions',
			`model '${model.id}' makes ${width}-dimensional vectors and cannot shorten them; leave dimensions out`
		);
	const inputs = typeof body.input === 'string' ? [body.input] : body.input;
	const tokenizer = await tokenizerFor(hub.blobs, model, model.embedding?.maxLength ?? Number.MAX_SAFE_INTEGER);
	const submission: Submission = { task_type: 'embedding', model: model.id, input: inputs, priority: 'high', replication: 1, params: {} };
	return { model, submission, promptTokens: inputs.reduce((n, text) => n + tokenizer.encode(text).length, 0) };
}

/** A completions request's job. */
export async function planCompletion(hub: Hub, body: CompletionsBody): Promise<GenerationPlan & { model: ModelManifest }> {
	const model = await modelFor(hub, body.model, 'text_generation');
	const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
	return { model, ...(await planGeneration(hub, model, prompts, generationParams(body, COMPLETIONS_MAX_TOKENS), 'prompt')) };
}

/** A chat request's job: its messages rendered with the model's chat template. */
export async function planChat(hub: Hub, body: ChatBody): Promise<GenerationPlan & { model: ModelManifest }> {
	const { limits } = hub.config;
	const model = await modelFor(hub, body.model, 'text_generation');
	let prompt: string;
	try {
		prompt = renderChat(body.messages, await readModelJson(hub.blobs, model, 'tokenizer_config.json'));
	} catch (e) {
		// A template may refuse a conversation itself (raise_exception: "roles must alternate").
		throw invalidParam('messages', `model '${model.id}'s chat template refused these messages: ${(e as Error).message}`);
	}
	if (prompt.length > limits.maxInputChars)
		throw invalidParam(
			'messages',
			`the conversation is ${prompt.length} characters once rendered; at most ${limits.maxInputChars} are taken`
		);
	return { model, ...(await planGeneration(hub, model, [prompt], generationParams(body, CHAT_MAX_TOKENS), 'messages')) };
}

/** The endpoints a batch line may call, and the schema each one's body has. */
export const BATCH_ENDPOINTS = {
	'/v1/embeddings': 'embeddings',
	'/v1/chat/completions': 'chat',
	'/v1/completions': 'completions'
} as const satisfies Record<BatchEndpoint, string>;

/** Plans a line's request for its endpoint (`body` already validated by that endpoint's schema). */
export function planFor(hub: Hub, endpoint: BatchEndpoint, body: Record<string, unknown>): Promise<GenerationPlan> {
	if (endpoint === '/v1/embeddings') return planEmbeddings(hub, body as EmbeddingsBody);
	if (endpoint === '/v1/chat/completions') return planChat(hub, body as ChatBody);
	return planCompletion(hub, body as CompletionsBody);
}

/** The endpoint's response to `body` from its completed job's result, as the synchronous endpoint builds it. */
export function responseFor(
	endpoint: BatchEndpoint,
	body: Record<string, unknown>,
	job: { id: string; result: unknown },
	promptTokens: number
): unknown {
	const model = body.model as string;
	if (endpoint === '/v1/embeddings')
		return embeddingsView(model, job.result as number[][], (body as EmbeddingsBody).encoding_format, promptTokens);
	const generated = { jobId: job.id, outputs: job.result as GenerationOutput[], promptTokens };
	return endpoint === '/v1/chat/completions' ? chatCompletionView(model, generated) : completionView(model, generated);
}
