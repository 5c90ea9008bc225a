import { inflateSync } from 'node:zlib';
import { pngDataBytes, type ImageHeader } from '../../executor/image-header';

/** The PNG's IDAT chunks joined: its compressed image data. */
function idatData(bytes: Uint8Array): Buffer {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const parts: Uint8Array[] = [];
	for (let at = 8; at + 8 <= bytes.length;) {
		const length = view.getUint32(at);
		const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
		if (type === 'IDAT') parts.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length)));
		if (type === 'IEND') break;
		at += 12 + length;
	}
	return Buffer.concat(parts);
}

/**
 * Whether a PNG's image data inflates to no more than its header says it holds (a JPEG has no such
 * stream: true). A header can name a small image over a zlib stream that inflates to hundreds of
 * megabytes, and the decoder inflates it all before it looks at the size; inflating here stops at the
 * expected size and says no.
 */
export function pngDataFits(bytes: Uint8Array, header: ImageHeader): boolean {
	if (!header.png) return true;
	try {
		inflateSync(idatData(bytes), { maxOutputLength: Math.max(1, pngDataBytes(header.width, header.height, header.png)) });
		return true;
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return false;
		return true; // not this check's business: a corrupt stream is the decoder's to refuse
	}
}
