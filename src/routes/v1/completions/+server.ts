/** OpenAI's `POST /v1/completions`: a text-generation job, one completion per prompt, whole or streamed. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { generate, planGeneration } from '$lib/server/openai/generate';
import { completionsRequestSchema, generationParams } from '$lib/server/openai/generation-request';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { modelFor } from '$lib/server/openai/run-job';
import { streamGeneration } from '$lib/server/openai/streaming';
import { completionChunks } from '$lib/server/openai/stream-views';
import { completionView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

/** OpenAI's default for completions. */
const DEFAULT_MAX_TOKENS = 16;

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const body = await parseOpenAiBody(request, completionsRequestSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const model = await modelFor(hub, body.model, 'text_generation');
	const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
	const plan = await planGeneration(hub, model, prompts, generationParams(body, DEFAULT_MAX_TOKENS), 'prompt');
	if (body.stream)
		return streamGeneration(
			hub,
			principal,
			plan,
			(jobId) => completionChunks(model.id, jobId),
			body.stream_options?.include_usage ?? false
		);
	return json(completionView(model.id, await generate(hub, principal, plan)));
});
