/** OpenAI's `POST /v1/batches/{id}/cancel`: its open jobs are cancelled; the batch is `cancelled` once they have ended. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { batchObject, countsOf, requireBatch } from '$lib/server/openai/batches/batch-queries';
import { requestCancel } from '$lib/server/openai/batches/create-batch';
import { finalizeBatch } from '$lib/server/openai/batches/finalize-batch';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const { id } = await requireBatch(hub.db, principal, params.id);
	await requestCancel(hub, id);
	await finalizeBatch(hub, id);
	const row = await requireBatch(hub.db, principal, id);
	return json(batchObject(row, (await countsOf(hub.db, [row])).get(id)));
});
