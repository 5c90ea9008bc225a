/** OpenAI's `GET /v1/files/{id}` and `DELETE /v1/files/{id}`, for the file's owner only. */
import { json } from '@sveltejs/kit';
import { requirePrincipal } from '$lib/server/http/api';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { fileObject, requireFile } from '$lib/server/openai/batches/file-queries';
import { deleteFile } from '$lib/server/openai/batches/store-file';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	return json(fileObject(await requireFile(hub.db, principal, params.id)));
});

/** The row goes, and its bytes with it unless another file or a model holds the same content (store-file.ts). */
export const DELETE: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const row = await requireFile(hub.db, principal, params.id);
	await deleteFile(hub, row);
	return json({ id: row.id, object: 'file', deleted: true });
});
