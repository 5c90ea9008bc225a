/** OpenAI's `POST /v1/chat/completions`: the messages rendered with the model's chat template, then a text-generation job. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { clientGone } from '$lib/server/http/edge/client-gone';
import { idempotencyKeyOf } from '$lib/server/http/idempotency';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { generate } from '$lib/server/openai/generate';
import { chatRequestSchema } from '$lib/server/openai/generation-request';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { planChat } from '$lib/server/openai/plan-request';
import { streamGeneration } from '$lib/server/openai/streaming';
import { chatChunks } from '$lib/server/openai/stream-views';
import { chatCompletionView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const key = idempotencyKeyOf(request);
	const body = await parseOpenAiBody(request, chatRequestSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const { model, ...plan } = await planChat(hub, body);
	if (body.stream)
		return streamGeneration(hub, principal, plan, (jobId) => chatChunks(model.id, jobId), body.stream_options?.include_usage ?? false, key);
	return json(chatCompletionView(model.id, await generate(hub, principal, plan, key, clientGone(request))));
});
