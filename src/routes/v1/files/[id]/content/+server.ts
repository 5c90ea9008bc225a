/** OpenAI's `GET /v1/files/{id}/content`: the file's bytes, for its owner only. */
import { requirePrincipal } from '$lib/server/http/api';
import { OpenAiError, withOpenAiErrors } from '$lib/server/openai/errors';
import { fileBytes, requireFile } from '$lib/server/openai/batches/file-queries';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = withOpenAiErrors(async ({ request, params, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const row = await requireFile(hub.db, principal, params.id);
	const bytes = await fileBytes(hub.blobs, row);
	if (!bytes) throw new OpenAiError(500, `file ${row.id}'s content is missing from the hub's data folder`, 'server_error');
	return new Response(Buffer.from(bytes), {
		headers: { 'content-type': 'application/jsonl', 'content-disposition': `attachment; filename="${row.id}.jsonl"` }
	});
});
