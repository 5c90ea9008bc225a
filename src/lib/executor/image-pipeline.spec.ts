import { describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { decodeImage, sniffImageType } from './image-decode';
import { imageProcessorConfig, preprocessImage, resizeBilinear } from './image-preprocess';
import { labelConfig, scoreLabels } from './classification-executor';

const rgba = (w: number, h: number, f: (x: number, y: number) => [number, number, number]) => {
	const data = new Uint8Array(w * h * 4);
	for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...f(x, y), 255], (y * w + x) * 4);
	return data;
};

describe('image decoding', () => {
	it('decodes PNG exactly (RGBA, RGB and grey) and JPEG closely, telling them apart by their bytes', () => {
		const data = rgba(5, 3, (x, y) => [x * 50, y * 100, 7]);
		const png = encodePng({ width: 5, height: 3, data, channels: 4, depth: 8 });
		expect(sniffImageType(png)).toBe('image/png');
		expect(decodeImage(png)).toEqual({ width: 5, height: 3, data });
		const rgb = encodePng({ width: 1, height: 1, data: Uint8Array.of(1, 2, 3), channels: 3, depth: 8 });
		expect(Array.from(decodeImage(rgb).data)).toEqual([1, 2, 3, 255]);
		const grey = encodePng({ width: 1, height: 1, data: Uint8Array.of(9), channels: 1, depth: 8 });
		expect(Array.from(decodeImage(grey).data)).toEqual([9, 9, 9, 255]);
		const flat = rgba(16, 16, () => [200, 100, 50]);
		const jpg = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: Buffer.from(flat) }, 95).data);
		expect(sniffImageType(jpg)).toBe('image/jpeg');
		const decoded = decodeImage(jpg);
		expect(decoded.width).toBe(16);
		expect(Math.max(...Array.from(decoded.data).map((v, i) => Math.abs(v - flat[i])))).toBeLessThan(4);
		expect(() => decodeImage(new TextEncoder().encode('GIF89a'))).toThrow(/not a PNG or JPEG/);
	});
});

describe('image pre-processing', () => {
	it('reads ViT-style and shortest-edge configs', () => {
		expect(
			imageProcessorConfig({ size: { height: 224, width: 224 }, image_mean: [0.5, 0.5, 0.5], image_std: 0.5, rescale_factor: 1 / 255 })
		).toEqual({
			height: 224,
			width: 224,
			shortestEdge: null,
			rescale: 1 / 255,
			mean: [0.5, 0.5, 0.5],
			std: [0.5, 0.5, 0.5]
		});
		const crop = imageProcessorConfig({ size: { shortest_edge: 256 }, crop_size: { height: 224, width: 224 }, do_normalize: false });
		expect(crop).toMatchObject({ height: 224, width: 224, shortestEdge: 256, mean: null });
		expect(() => imageProcessorConfig({})).toThrow(/does not give an image size/);
	});

	it('resizes with half-pixel bilinear sampling and lays channels first, rescaled and normalised', () => {
		const img = { width: 2, height: 1, data: Uint8Array.of(0, 0, 0, 255, 200, 100, 50, 255) };
		// Doubling the width samples the source at x = −0.25 (clamped to 0), 0.25, 0.75 and 1.25 (clamped to 1).
		expect(Array.from(resizeBilinear(img, 4, 1)).filter((_, i) => i % 3 === 0)).toEqual([0, 50, 150, 200]);
		const cfg = imageProcessorConfig({
			size: { height: 1, width: 2 },
			rescale_factor: 1 / 255,
			image_mean: [0.5, 0.5, 0.5],
			image_std: [0.5, 0.5, 0.5]
		});
		const px = preprocessImage(img, cfg);
		expect(px).toHaveLength(6);
		expect(px[0]).toBeCloseTo(-1, 6); // R of pixel 0: (0/255 − 0.5) / 0.5
		expect(px[1]).toBeCloseTo((200 / 255 - 0.5) / 0.5, 6); // R of pixel 1
		expect(px[3]).toBeCloseTo((100 / 255 - 0.5) / 0.5, 6); // G of pixel 1, after both R values
	});
});

describe('classification scores', () => {
	it('softmaxes logits to labels best first, and uses sigmoids for multi-label heads', () => {
		const cfg = labelConfig({ id2label: { 0: 'cat', 1: 'dog', 2: 'bird' } });
		const out = scoreLabels([1, 3, 2], cfg, 2);
		expect(out.map((l) => l.label)).toEqual(['dog', 'bird']);
		expect(out[0].score).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
		const multi = scoreLabels(
			[0, 0, 0],
			labelConfig({ id2label: { 0: 'a', 1: 'b', 2: 'c' }, problem_type: 'multi_label_classification' }),
			0
		);
		expect(multi.map((l) => l.score)).toEqual([0.5, 0.5, 0.5]);
		expect(() => labelConfig({})).toThrow(/no id2label/);
		expect(labelConfig({ id2label: { 1: 'b' } }).labels).toEqual(['LABEL_0', 'b']);
	});
});
