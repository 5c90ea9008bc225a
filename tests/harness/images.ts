/** Small real PNG and JPEG files for image tests, drawn in code (gradients and shapes, different per seed). */
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';

function pixels(width: number, height: number, seed: number): Uint8Array {
	const data = new Uint8Array(width * height * 4);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const i = (y * width + x) * 4;
			const inCircle = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (width / (3 + (seed % 3))) ** 2;
			data[i] = (x * (seed + 3) * 7) % 256;
			data[i + 1] = inCircle ? 255 - ((seed * 40) % 256) : (y * (seed + 1) * 5) % 256;
			data[i + 2] = ((x + y) * seed * 3) % 256;
			data[i + 3] = 255;
		}
	}
	return data;
}

export function makePng(width: number, height: number, seed: number): Uint8Array {
	return encodePng({ width, height, data: pixels(width, height, seed), channels: 4, depth: 8 });
}

export function makeJpeg(width: number, height: number, seed: number): Uint8Array {
	return new Uint8Array(jpeg.encode({ width, height, data: Buffer.from(pixels(width, height, seed)) }, 90).data);
}
