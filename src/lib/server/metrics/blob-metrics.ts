/**
 * What the model store sends: bytes per file, counted as the body streams out (a transfer cut short counts
 * what was read for it, not the whole file). This is how one sees, and the tests assert, that volunteers
 * download a model once and then run it from their own cache.
 */
import { metrics } from './registry';

/** The same response, its body counted into the metrics as it is read. */
export function countBlobResponse(sha256: string, response: Response): Response {
	// Anyone may ask for any digest: labelling misses by it would let them grow the metrics without bound.
	if (response.status === 404) sha256 = 'unknown';
	metrics.blobResponses.inc({ sha256, status: String(response.status) });
	if (!response.body) return response;
	const counting = new TransformStream<Uint8Array, Uint8Array>({
		transform(chunk, controller) {
			metrics.blobBytesSent.inc({ sha256 }, chunk.byteLength);
			controller.enqueue(chunk);
		}
	});
	return new Response(response.body.pipeThrough(counting), { status: response.status, headers: response.headers });
}
