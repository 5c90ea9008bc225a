import { json } from '@sveltejs/kit';
import { ApiError, readBytes, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { checkImage, ImageRejected, storeImage, type StoredImage } from '$lib/server/images/store-image';
import type { ImagesUploaded } from '$lib/protocol/rest/jobs';
import type { RequestHandler } from './$types';

/** Images per multipart upload: enough for a form's batch, small enough to check in one request. */
const MAX_FILES = 100;

/**
 * Uploads images for image_classification jobs: the body is one PNG or JPEG (any image content type),
 * or multipart/form-data with files. Answers `{images: [{sha256, ref, type, size, width, height}]}`;
 * a job names each image by its `ref` (`sha256:<digest>`). Nothing is stored unless every image passes.
 */
export const POST: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	await requirePrincipal(hub, request);
	const type = request.headers.get('content-type') ?? '';
	const { maxBytes } = hub.config.images;
	let files: Uint8Array[];
	if (/^multipart\/form-data/i.test(type)) {
		const body = await readBytes(request, maxBytes * 4 + 64 * 1024, 'the upload');
		const form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': type } }).formData().catch(() => {
			throw new ApiError(400, 'malformed multipart body');
		});
		const entries = [...form.values()].filter((v): v is File => typeof v !== 'string');
		if (entries.length === 0) throw new ApiError(400, 'the form has no files');
		if (entries.length > MAX_FILES) throw new ApiError(400, `at most ${MAX_FILES} images per upload`);
		files = await Promise.all(entries.map(async (f) => new Uint8Array(await f.arrayBuffer())));
	} else if (/^(image\/|application\/octet-stream)/i.test(type)) {
		files = [await readBytes(request, maxBytes, 'the image')];
	} else {
		throw new ApiError(415, 'send the image as its own body (Content-Type: image/png or image/jpeg) or as multipart/form-data');
	}
	const stored: StoredImage[] = [];
	// Check every image before storing any, so a refused upload stores nothing.
	for (const [i, bytes] of files.entries()) {
		try {
			checkImage(bytes, hub.config.images);
		} catch (e) {
			if (!(e instanceof ImageRejected)) throw e;
			throw new ApiError(e.message.includes('larger than') ? 413 : 400, files.length > 1 ? `image ${i}: ${e.message}` : e.message);
		}
	}
	for (const bytes of files) stored.push(await storeImage(hub.blobs, bytes, hub.config.images));
	return json({ images: stored } satisfies ImagesUploaded, { status: 201 });
});
