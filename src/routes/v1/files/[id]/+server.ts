/** OpenAI's `GET /v1/files/{id}` and `DELETE /v1/files/{id}`, for the file's owner only. */
import { json } from '@sveltejs/kit';
import { and, eq } from 'drizzle-orm';
import { files } from '$lib/server/db/schema';
import { requirePrincipal } from '$lib/server/http/api';
import { withOpenAiErrors } from '$lib/server/openai/errors';
import { fileObject, ownedBy, requireFile } from '$lib/server/openai/batches/file-queries';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	return json(fileObject(await requireFile(hub.db, principal, params.id)));
});

/** The row goes; the blob stays, since content addressing may share it with another file. */
export const DELETE: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const row = await requireFile(hub.db, principal, params.id);
	await hub.db.delete(files).where(and(eq(files.id, row.id), ownedBy(principal)));
	return json({ id: row.id, object: 'file', deleted: true });
});
