/** OpenAI's `POST /v1/embeddings`, computed by volunteers as an embedding job. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { clientGone } from '$lib/server/http/edge/client-gone';
import { idempotencyKeyOf } from '$lib/server/http/idempotency';
import { embeddingsRequestSchema } from '$lib/server/openai/embeddings-request';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { planEmbeddings } from '$lib/server/openai/plan-request';
import { runJob } from '$lib/server/openai/run-job';
import { embeddingsView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const key = idempotencyKeyOf(request);
	const body = await parseOpenAiBody(request, embeddingsRequestSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const plan = await planEmbeddings(hub, body);
	const job = await runJob(hub, principal, plan.submission, key, clientGone(request));
	return json(embeddingsView(plan.model.id, job.result as number[][], body.encoding_format, plan.promptTokens));
});
