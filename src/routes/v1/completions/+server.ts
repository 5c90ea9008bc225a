/** OpenAI's `POST /v1/completions`: a text-generation job, one completion per prompt, whole or streamed. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { clientGone } from '$lib/server/http/edge/client-gone';
import { idempotencyKeyOf } from '$lib/server/http/idempotency';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { generate } from '$lib/server/openai/generate';
import { completionsRequestSchema } from '$lib/server/openai/generation-request';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { planCompletion } from '$lib/server/openai/plan-request';
import { streamGeneration } from '$lib/server/openai/streaming';
import { completionChunks } from '$lib/server/openai/stream-views';
import { completionView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const key = idempotencyKeyOf(request);
	const body = await parseOpenAiBody(request, completionsRequestSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const { model, ...plan } = await planCompletion(hub, body);
	if (body.stream)
		return streamGeneration(
			hub,
			principal,
			plan,
			(jobId) => completionChunks(model.id, jobId),
			body.stream_options?.include_usage ?? false,
			key
		);
	return json(completionView(model.id, await generate(hub, principal, plan, key, clientGone(request))));
});
