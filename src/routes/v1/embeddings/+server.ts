/** OpenAI's `POST /v1/embeddings`, computed by volunteers as an embedding job. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { embeddingsRequestSchema } from '$lib/server/openai/embeddings-request';
import { invalidParam, withOpenAiErrors } from '$lib/server/openai/errors';
import { parseOpenAiBody } from '$lib/server/openai/parse-body';
import { modelFor, runJob } from '$lib/server/openai/run-job';
import { tokenizerFor } from '$lib/server/openai/token-counter';
import { embeddingsView } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const body = await parseOpenAiBody(request, embeddingsRequestSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const model = await modelFor(hub, body.model, 'embedding');
	const width = model.embedding?.dimensions;
	if (body.dimensions !== undefined && body.dimensions !== width)
		throw invalidParam(
			'dimensions',
			`model '${model.id}' makes ${width}-dimensional vectors and cannot shorten them; leave dimensions out`
		);
	const inputs = typeof body.input === 'string' ? [body.input] : body.input;
	const job = await runJob(hub, principal, {
		task_type: 'embedding',
		model: model.id,
		input: inputs,
		priority: 'interactive',
		replication: 1,
		params: {}
	});
	const tokenizer = await tokenizerFor(hub.blobs, model, model.embedding?.maxLength ?? Number.MAX_SAFE_INTEGER);
	const promptTokens = inputs.reduce((n, text) => n + tokenizer.encode(text).length, 0);
	return json(embeddingsView(model.id, job.result as number[][], body.encoding_format, promptTokens));
});
