import type { BlobStore } from '../models/blob-store';
import { decodeImage, sniffImageType } from '../../executor/image-decode';
import { readImageHeader } from '../../executor/image-header';
import { pngDataFits } from './png-data-size';
import { imageRef, type ImageMediaType } from '../../protocol/images';

export interface ImageLimits {
	maxBytes: number;
	maxPixels: number;
}

export interface StoredImage {
	sha256: string;
	/** What a job input names it by. */
	ref: string;
	type: ImageMediaType;
	size: number;
	width: number;
	height: number;
}

export class ImageRejected extends Error {}

/**
 * Checks an uploaded image and stores it in the content-addressed store. The type comes from the
 * bytes (PNG or JPEG magic), never from the client's word, and the image is decoded once with the
 * very decoder volunteers use, so an image that is accepted here will decode on every volunteer.
 */
export async function storeImage(blobs: BlobStore, bytes: Uint8Array, limits: ImageLimits): Promise<StoredImage> {
	const { type, width, height } = checkImage(bytes, limits);
	const { sha256, size } = await blobs.putBytes(bytes);
	return { sha256, ref: imageRef(sha256), type, size, width, height };
}

/** What storeImage checks, without storing: for refusing a whole upload before any of it is kept. */
export function checkImage(bytes: Uint8Array, limits: ImageLimits): { type: ImageMediaType; width: number; height: number } {
	if (bytes.byteLength === 0) throw new ImageRejected('the image is empty');
	if (bytes.byteLength > limits.maxBytes)
		throw new ImageRejected(`the image is larger than ${limits.maxBytes} bytes (EXOSTACK_MAX_IMAGE_BYTES)`);
	const type = sniffImageType(bytes);
	if (!type) throw new ImageRejected('only PNG and JPEG images are accepted');
	// From the header, before a byte is inflated: a small file may declare a huge canvas.
	const header = readImageHeader(bytes);
	if (!header) throw new ImageRejected(`the ${type} image cannot be decoded: it has no readable header`);
	const { width, height } = header;
	if (width * height > limits.maxPixels)
		throw new ImageRejected(`the image is ${width}×${height}, over ${limits.maxPixels} pixels (EXOSTACK_MAX_IMAGE_PIXELS)`);
	if (!pngDataFits(bytes, header)) throw new ImageRejected(`the ${type} image's data inflates to more than its ${width}×${height} pixels`);
	try {
		decodeImage(bytes, limits.maxPixels);
	} catch (e) {
		throw new ImageRejected(`the ${type} image cannot be decoded: ${(e as Error).message}`);
	}
	return { type, width, height };
}

/** Whether a digest names an image in the store (by its magic bytes: model files there are not images). */
export async function isStoredImage(blobs: BlobStore, sha256: string): Promise<boolean> {
	const head = await blobs.head(sha256, 8);
	return head !== null && sniffImageType(head) !== null;
}
