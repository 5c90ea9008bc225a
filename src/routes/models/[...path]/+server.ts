import { apiError } from '$lib/server/http/api';
import { serveBlob } from '$lib/server/http/serve-blob';
import { getModel } from '$lib/server/models/model-queries';
import type { RequestHandler } from './$types';

/**
 * A model's files by path, in the Hugging Face layout: /models/<id>/resolve/main/<file>. WebLLM loads
 * models from URLs of this shape, so it reads everything from this hub, never from a third party;
 * any tool that speaks the layout can too. The bytes are the content-addressed blobs.
 */
export const GET: RequestHandler = async ({ params, request, locals: { hub } }) => {
	const match = /^(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(params.path);
	if (!match) return apiError(404, 'use /models/<id>/resolve/main/<file>');
	const [, id, , file] = match;
	const model = await getModel(hub.db, id);
	const entry = model?.files.find((f) => f.path === file);
	if (!entry) return apiError(404, model ? `model ${id} has no file ${file}` : `unknown model "${id}"`);
	return serveBlob(hub.blobs.path(entry.sha256)!, entry.sha256, request);
};
