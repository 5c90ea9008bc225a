/** OpenAI's `POST /v1/batches` (an uploaded file's lines as jobs, lines alike sharing one) and `GET /v1/batches` (the caller's, paged). */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { readJson, requirePrincipal } from '$lib/server/http/api';
import { idempotencyKeyOf } from '$lib/server/http/idempotency';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { parseOpenAiQuery, validateOpenAiBody } from '$lib/server/openai/parse-body';
import { listView } from '$lib/server/openai/views';
import { createBatch } from '$lib/server/openai/batches/create-batch';
import { BatchListQuery, CreateBatchRequest } from '$lib/protocol/rest/openai-requests';
import { batchObject, countsOf, listBatches, requireBatch } from '$lib/server/openai/batches/batch-queries';
import type { RequestHandler } from './$types';

/** A create request is a few ids and some metadata. */
const MAX_CREATE_BYTES = 64 * 1024;

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const key = idempotencyKeyOf(request);
	const body = validateOpenAiBody(await readJson(request, z.unknown(), MAX_CREATE_BYTES), CreateBatchRequest);
	const id = await createBatch(hub, principal, body, key);
	const row = await requireBatch(hub.db, principal, id);
	return json(batchObject(row, (await countsOf(hub.db, [row])).get(id)));
});

export const GET: RequestHandler = withOpenAiErrors(async ({ request, url, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const { after, limit } = parseOpenAiQuery(url, BatchListQuery);
	const { rows, hasMore } = await listBatches(hub.db, principal, after ?? null, limit!);
	const counts = await countsOf(hub.db, rows);
	return json(
		listView(
			rows.map((r) => batchObject(r, counts.get(r.id))),
			hasMore
		)
	);
});
