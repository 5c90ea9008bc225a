/** OpenAI's `POST /v1/files` (a batch's JSONL input, every line checked) and `GET /v1/files` (the caller's own). */
import { json } from '@sveltejs/kit';
import { ownerOf } from '$lib/server/auth/principal';
import { files } from '$lib/server/db/schema';
import { readBytes, requirePrincipal } from '$lib/server/http/api';
import { invalidParam, withOpenAiErrors } from '$lib/server/openai/errors';
import { parseBatchFile } from '$lib/server/openai/batches/batch-file';
import { fileObject, listFiles } from '$lib/server/openai/batches/file-queries';
import { newFileId } from '$lib/server/openai/batches/ids';
import type { RequestHandler } from './$types';

/** Room for the multipart envelope (boundaries, headers, the purpose field) around the file itself. */
const FORM_OVERHEAD_BYTES = 16 * 1024;
const MAX_FILENAME_CHARS = 255;

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
	const { sha256, size } = await hub.blobs.putBytes(bytes);
	const filename = [...(file.name || 'batch.jsonl')]
		.slice(0, MAX_FILENAME_CHARS)
		.join('')
		.replace(/\p{Cc}/gu, '_');
	const [row] = await hub.db
		.insert(files)
		.values({ id: newFileId(), ownerKeyId: ownerOf(principal), filename, purpose, bytes: size, sha256 })
		.returning();
	return json(fileObject(row));
});

export const GET: RequestHandler = withOpenAiErrors(async ({ request, url, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const purpose = url.searchParams.get('purpose') ?? undefined;
	const data = (await listFiles(hub.db, principal, purpose)).map(fileObject);
	return json({ object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
});
