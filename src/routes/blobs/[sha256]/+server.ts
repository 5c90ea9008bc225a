import { getHub } from '$lib/server/runtime';
import { apiError } from '$lib/server/http/api';
import { serveBlob } from '$lib/server/http/serve-blob';
import { countBlobResponse } from '$lib/server/metrics/blob-metrics';
import type { RequestHandler } from './$types';

/** Model files, by sha256 (the URLs in GET /api/models). */
export const GET: RequestHandler = async ({ params, request }) => {
	const hub = await getHub();
	const file = hub.blobs.path(params.sha256);
	if (!file) return apiError(404, 'blob names are lowercase sha256 digests');
	return countBlobResponse(params.sha256, await serveBlob(file, params.sha256, request));
};
