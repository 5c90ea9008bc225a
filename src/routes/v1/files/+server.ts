/** OpenAI's `POST /v1/files` (a batch's JSONL input, every line checked) and `GET /v1/files` (the caller's own, paged). */
import { json } from '@sveltejs/kit';
import { ownerOf } from '$lib/server/auth/principal';
import { readBytes, requirePrincipal } from '$lib/server/http/api';
import { invalidParam, withOpenAiErrors } from '$lib/server/openai/errors';
import { parseBatchFile } from '$lib/server/openai/batches/batch-file';
import { fileObject, listFiles } from '$lib/server/openai/batches/file-queries';
import { storeFile } from '$lib/server/openai/batches/store-file';
import { newFileId } from '$lib/server/openai/batches/ids';
import type { RequestHandler } from './$types';

/** Room for the multipart envelope (boundaries, headers, the purpose field) around the file itself. */
const FORM_OVERHEAD_BYTES = 16 * 1024;
const MAX_FILENAME_CHARS = 255;
/** OpenAI's bounds and default for a page of files. */
const MAX_PAGE = 10_000;
const MAX_PURPOSE_CHARS = 64;

export const POST: RequestHandler = withOpenAiErrors(async ({ request, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const { maxFileBytes, maxLines } = hub.config.batches;
	const type = request.headers.get('content-type') ?? '';
	if (!/^multipart\/form-data\b/i.test(type)) throw invalidParam(null, 'send the file as multipart/form-data with fields file and purpose');
	const raw = await readBytes(request, maxFileBytes + FORM_OVERHEAD_BYTES);
	let form: FormData;
	try {
		form = await new Response(Buffer.from(raw), { headers: { 'content-type': type } }).formData();
	} catch {
		throw invalidParam(null, 'malformed multipart/form-data body');
	}
	const purpose = form.get('purpose');
	if (purpose !== 'batch') throw invalidParam('purpose', 'purpose must be "batch" (the only purpose this hub takes)');
	const file = form.get('file');
	if (!(file instanceof File)) throw invalidParam('file', 'the form has no file field holding a file');
	if (file.size > maxFileBytes) throw invalidParam('file', `the file is ${file.size} bytes; at most ${maxFileBytes} are taken`);
	const bytes = new Uint8Array(await file.arrayBuffer());
	parseBatchFile(bytes, hub.config.limits, maxLines);
	const filename = [...(file.name || 'batch.jsonl')]
		.slice(0, MAX_FILENAME_CHARS)
		.join('')
		.replace(/\p{Cc}/gu, '_');
	const row = await storeFile(hub, bytes, { id: newFileId(), ownerKeyId: ownerOf(principal), filename, purpose });
	return json(fileObject(row));
});

export const GET: RequestHandler = withOpenAiErrors(async ({ request, url, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const query = url.searchParams;
	const limitText = query.get('limit') ?? String(MAX_PAGE);
	const limit = /^\d{1,5}$/.test(limitText) ? Number(limitText) : NaN;
	if (!(limit >= 1 && limit <= MAX_PAGE)) throw invalidParam('limit', `limit must be a whole number from 1 to ${MAX_PAGE}`);
	const order = query.get('order') ?? 'desc';
	if (order !== 'asc' && order !== 'desc') throw invalidParam('order', 'order must be "asc" or "desc"');
	const purpose = query.get('purpose');
	if (purpose !== null && purpose.length > MAX_PURPOSE_CHARS)
		throw invalidParam('purpose', `purpose must be at most ${MAX_PURPOSE_CHARS} characters`);
	const { rows, hasMore } = await listFiles(hub.db, principal, { after: query.get('after'), limit, order, purpose });
	const data = rows.map(fileObject);
	return json({ object: 'list', data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
});
