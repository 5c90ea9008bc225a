import { describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { pngDataBytes, readImageHeader } from './image-header';

describe('readImageHeader', () => {
	it('reads a PNG’s size and pixel layout from its IHDR', () => {
		const png = encodePng({ width: 5, height: 3, data: new Uint8Array(5 * 3 * 4), channels: 4, depth: 8 });
		expect(readImageHeader(png)).toEqual({ type: 'image/png', width: 5, height: 3, png: { bitsPerPixel: 32, interlaced: false } });
		const grey16 = encodePng({ width: 2, height: 2, data: new Uint16Array(4), channels: 1, depth: 16 });
		expect(readImageHeader(grey16)?.png).toEqual({ bitsPerPixel: 16, interlaced: false });
	});

	it('reads a JPEG’s size from its frame header, past the segments before it', () => {
		const data = Buffer.alloc(40 * 24 * 4, 128);
		const jpg = new Uint8Array(jpeg.encode({ width: 40, height: 24, data }, 90).data);
		expect(readImageHeader(jpg)).toEqual({ type: 'image/jpeg', width: 40, height: 24 });
	});

	it('says null for what is neither, or is cut short', () => {
		expect(readImageHeader(new TextEncoder().encode('GIF89a…'))).toBeNull();
		expect(readImageHeader(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9))).toBeNull();
		const png = encodePng({ width: 1, height: 1, data: new Uint8Array(4), channels: 4, depth: 8 });
		expect(readImageHeader(png.subarray(0, 20))).toBeNull();
	});
});

describe('pngDataBytes', () => {
	it('counts a filter byte per row and packed pixels, per Adam7 pass when interlaced', () => {
		expect(pngDataBytes(5, 3, { bitsPerPixel: 32, interlaced: false })).toBe(3 * (1 + 20));
		expect(pngDataBytes(9, 1, { bitsPerPixel: 1, interlaced: false })).toBe(1 + 2);
		// 8×8, 8 bits: passes of 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4 pixels.
		expect(pngDataBytes(8, 8, { bitsPerPixel: 8, interlaced: true })).toBe(2 + 2 + 3 + 2 * 3 + 2 * 5 + 4 * 5 + 4 * 9);
		expect(pngDataBytes(1, 1, { bitsPerPixel: 8, interlaced: true })).toBe(2);
	});
});
