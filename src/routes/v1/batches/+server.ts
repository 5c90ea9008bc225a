/** OpenAI's `POST /v1/batches` (an uploaded file's lines as jobs, lines alike sharing one) and `GET /v1/batches` (the caller's, paged). */
import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { readJson, requirePrincipal } from '$lib/server/http/api';
import { idempotencyKeyOf } from '$lib/server/http/idempotency';
import { invalidParam, withOpenAiErrors } from '$lib/server/openai/errors';
import { validateOpenAiBody } from '$lib/server/openai/parse-body';
import { CreateBatchRequest, createBatch } from '$lib/server/openai/batches/create-batch';
import { batchObject, countsOf, listBatches, requireBatch } from '$lib/server/openai/batches/batch-queries';
import type { RequestHandler } from './$types';

/** A create request is a few ids and some metadata. */
const MAX_CREATE_BYTES = 64 * 1024;
const MAX_PAGE = 100;

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
	const limitText = url.searchParams.get('limit') ?? '20';
	const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
	if (!(limit >= 1 && limit <= MAX_PAGE)) throw invalidParam('limit', `limit must be a whole number from 1 to ${MAX_PAGE}`);
	const { rows, hasMore } = await listBatches(hub.db, principal, url.searchParams.get('after'), limit);
	const counts = await countsOf(hub.db, rows);
	const data = rows.map((r) => batchObject(r, counts.get(r.id)));
	return json({ object: 'list', data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
});
