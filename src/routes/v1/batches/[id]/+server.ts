/** OpenAI's `GET /v1/batches/{id}`; reading a batch whose jobs have all ended finalises it, without waiting for the worker. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { batchObject, countsOf, requireBatch } from '$lib/server/openai/batches/batch-queries';
import { finalizeBatch } from '$lib/server/openai/batches/finalize-batch';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	let row = await requireBatch(hub.db, principal, params.id);
	if (await finalizeBatch(hub, row.id)) row = await requireBatch(hub.db, principal, params.id);
	return json(batchObject(row, (await countsOf(hub.db, [row])).get(row.id)));
});
