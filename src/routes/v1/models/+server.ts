/** OpenAI's `GET /v1/models`: every model this hub has, for any key. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { listModels } from '$lib/server/models/model-queries';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { modelObject } from '$lib/server/openai/views';
import type { z } from 'zod';
import type { ModelList } from '$lib/protocol/rest/openai';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	await requirePrincipal(hub, request);
	const list: z.infer<typeof ModelList> = { object: 'list', data: (await listModels(hub.db)).map(modelObject) };
	return json(list);
});
