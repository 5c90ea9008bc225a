/**
 * An image's type and size read from its header alone, before anything is inflated or decoded: a
 * 300 KB PNG can declare 18000×18000 pixels and inflate to 650 MB, so limits are checked here first.
 * Pure byte parsing, shared by the hub (upload checks) and the decoder every volunteer runs.
 */
export type ImageType = 'image/png' | 'image/jpeg';

/** What a PNG's header says about its pixel data: bits per pixel, and whether it is Adam7-interlaced. */
export interface PngLayout {
	bitsPerPixel: number;
	interlaced: boolean;
}

export interface ImageHeader {
	type: ImageType;
	width: number;
	height: number;
	/** PNG only. */
	png?: PngLayout;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by PNG colour type: grey, -, RGB, palette, grey+alpha, -, RGBA. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The PNG's IHDR (which the format requires to be the first chunk), or null when it is not one. */
function pngHeader(bytes: Uint8Array): ImageHeader | null {
	if (bytes.length < 33 || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
	const channels = PNG_CHANNELS[bytes[25]];
	if (!channels) return null;
	return {
		type: 'image/png',
		width: view.getUint32(16),
		height: view.getUint32(20),
		png: { bitsPerPixel: bytes[24] * channels, interlaced: bytes[28] === 1 }
	};
}

/** The JPEG's frame header (SOF0–SOF15, less DHT, JPG and DAC, which share the range), walking the segments before it. */
function jpegHeader(bytes: Uint8Array): ImageHeader | null {
	if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
	let at = 2;
	while (at + 4 <= bytes.length) {
		if (bytes[at] !== 0xff) return null;
		const marker = bytes[at + 1];
		if (marker === 0xff) {
			at++; // fill byte
			continue;
		}
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
			at += 2; // no length
			continue;
		}
		const length = (bytes[at + 2] << 8) | bytes[at + 3];
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			if (at + 9 > bytes.length) return null;
			return { type: 'image/jpeg', height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
		}
		if (marker === 0xda || marker === 0xd9 || length < 2) return null; // scan data or the end before any frame
		at += 2 + length;
	}
	return null;
}

export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
	return pngHeader(bytes) ?? jpegHeader(bytes);
}

/** Adam7's passes: first column and row, then the step between them. */
const ADAM7 = [
	[0, 0, 8, 8],
	[4, 0, 8, 8],
	[0, 4, 4, 8],
	[2, 0, 4, 4],
	[0, 2, 2, 4],
	[1, 0, 2, 2],
	[0, 1, 1, 2]
];

/** The exact size of a PNG's inflated image data: each row of each pass is a filter byte and its packed pixels. */
export function pngDataBytes(width: number, height: number, png: PngLayout): number {
	const rows = (w: number, h: number) => (w && h ? h * (1 + Math.ceil((w * png.bitsPerPixel) / 8)) : 0);
	if (!png.interlaced) return rows(width, height);
	return ADAM7.reduce(
		(sum, [x0, y0, dx, dy]) => sum + rows(Math.max(0, Math.ceil((width - x0) / dx)), Math.max(0, Math.ceil((height - y0) / dy))),
		0
	);
}
