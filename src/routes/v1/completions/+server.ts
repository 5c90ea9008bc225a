/** OpenAI's `POST /v1/completions`: a text-generation job, one completion per prompt. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { generate } from '$lib/server/openai/generate';
import { completionsRequestSchema, generationParams } from '$lib/server/openai/generation-request';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { modelFor } from '$lib/server/openai/run-job';
import { refuseStreaming } from '$lib/server/openai/streaming';
import { completionView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

/** OpenAI's default for completions. */
const DEFAULT_MAX_TOKENS = 16;

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const body = await parseOpenAiBody(request, completionsRequestSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	refuseStreaming(body.stream);
	const model = await modelFor(hub, body.model, 'text_generation');
	const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
	const generated = await generate(hub, principal, model, prompts, generationParams(body, DEFAULT_MAX_TOKENS), 'prompt');
	return json(completionView(model.id, generated));
});
