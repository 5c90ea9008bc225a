import { serveBlob } from '$lib/server/http/serve-blob';
import { countBlobResponse } from '$lib/server/metrics/blob-metrics';
import type { RequestHandler } from './$types';

/** Model files, by sha256 (the URLs in GET /api/models). */
export const GET: RequestHandler = async ({ params: { sha256 }, request, locals: { hub } }) => {
	// The param matcher admits only well-formed digests, so the store has a path for it.
	return countBlobResponse(sha256, await serveBlob(hub.blobs.path(sha256)!, sha256, request));
};
