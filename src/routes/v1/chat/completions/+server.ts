/** OpenAI's `POST /v1/chat/completions`: the messages rendered with the model's chat template, then a text-generation job. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { renderChat } from '$lib/server/openai/chat-template';
import { invalidParam, withOpenAiErrors } from '$lib/server/openai/errors';
import { generate, planGeneration } from '$lib/server/openai/generate';
import { chatRequestSchema, generationParams } from '$lib/server/openai/generation-request';
import { readModelJson } from '$lib/server/openai/model-json';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { modelFor } from '$lib/server/openai/run-job';
import { streamGeneration } from '$lib/server/openai/streaming';
import { chatChunks } from '$lib/server/openai/stream-views';
import { chatCompletionView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

/** Without max_tokens: ExoStack's own default for generation jobs. */
const DEFAULT_MAX_TOKENS = 64;

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const { limits } = hub.config;
	const body = await parseOpenAiBody(request, chatRequestSchema(limits), limits.maxBodyBytes);
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
	const plan = await planGeneration(hub, model, [prompt], generationParams(body, DEFAULT_MAX_TOKENS), 'messages');
	if (body.stream)
		return streamGeneration(hub, principal, plan, (jobId) => chatChunks(model.id, jobId), body.stream_options?.include_usage ?? false);
	return json(chatCompletionView(model.id, await generate(hub, principal, plan)));
});
