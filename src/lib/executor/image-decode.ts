/**
 * PNG and JPEG → RGBA pixels, with pure-JS decoders (fast-png, jpeg-js) that run unchanged in the
 * browser worker and in Node. The same decoder on both sides gives the same pixels bit for bit;
 * the browser's own decoder (createImageBitmap) and a native Node one (sharp) differ in JPEG
 * upsampling and colour management, which would move scores by far more than the 1e-4 replicas
 * are compared at.
 */
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { readImageHeader, type ImageType } from './image-header';

export interface RgbaImage {
	width: number;
	height: number;
	/** Row-major RGBA, 8 bits per channel. */
	data: Uint8Array;
}

/** Hard cap on decoded size, whatever the file claims: 40 megapixels is ~160 MB of RGBA. */
export const MAX_PIXELS = 40_000_000;

/** The image type by its magic bytes (never by a name or a header the client chose). */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
	if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return 'image/png';
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
	return null;
}

/** Decodes an image of at most `maxPixels`, a limit checked on the header before anything is inflated. */
export function decodeImage(bytes: Uint8Array, maxPixels = MAX_PIXELS): RgbaImage {
	const type = sniffImageType(bytes);
	if (!type) throw new Error('not a PNG or JPEG image');
	const header = readImageHeader(bytes);
	if (!header) throw new Error(`no ${type === 'image/png' ? 'PNG IHDR' : 'JPEG frame'} header`);
	if (header.width * header.height > maxPixels) throw new Error(`image is ${header.width}×${header.height}, over ${maxPixels} pixels`);
	if (type === 'image/jpeg') {
		const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: 512 });
		return { width: img.width, height: img.height, data: img.data };
	}
	return pngToRgba(decodePng(bytes));
}

function pngToRgba(png: ReturnType<typeof decodePng>): RgbaImage {
	const { width, height, channels, depth } = png;
	if (png.palette) throw new Error('indexed-colour PNGs are not supported; save as RGB');
	const src = png.data;
	const out = new Uint8Array(width * height * 4);
	// 16-bit samples keep their high byte; 1/2/4-bit grey is not produced by common tools for photos.
	const sample = depth === 16 ? (i: number) => src[i] >>> 8 : depth === 8 ? (i: number) => src[i] : null;
	if (!sample) throw new Error(`PNG bit depth ${depth} is not supported`);
	for (let p = 0; p < width * height; p++) {
		const base = p * channels;
		const grey = channels <= 2;
		out[p * 4] = sample(base);
		out[p * 4 + 1] = sample(grey ? base : base + 1);
		out[p * 4 + 2] = sample(grey ? base : base + 2);
		out[p * 4 + 3] = channels === 2 || channels === 4 ? sample(base + channels - 1) : 255;
	}
	return { width, height, data: out };
}
