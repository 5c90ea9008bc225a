/** OpenAI's `GET /v1/models/{model}`; ids may hold slashes (`org/name`, as imported from Hugging Face). */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { listModels } from '$lib/server/models/model-queries';
import { OpenAiError, withOpenAiErrors } from '$lib/server/openai/errors';
import { modelObject } from '$lib/server/openai/views';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	await requirePrincipal(hub, request);
	const model = (await listModels(hub.db)).find((m) => m.id === params.id);
	if (!model)
		throw new OpenAiError(404, `The model '${params.id}' does not exist on this hub`, 'invalid_request_error', 'model', 'model_not_found');
	return json(modelObject(model));
});
