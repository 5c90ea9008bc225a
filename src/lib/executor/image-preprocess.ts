/**
 * A Hugging Face image processor's steps (resize, center crop, rescale, normalize) as pure
 * functions, driven by the model's `preprocessor_config.json`; identical in the worker and in Node.
 */
import type { RgbaImage } from './image-decode';

export interface ImageProcessorConfig {
	height: number;
	width: number;
	/** Resize the shortest edge to this, then crop height × width from the centre; null: resize to height × width directly. */
	shortestEdge: number | null;
	rescale: number | null;
	mean: [number, number, number] | null;
	std: [number, number, number] | null;
}

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const triple = (v: unknown, fallback: number): [number, number, number] =>
	Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number')
		? (v as [number, number, number])
		: typeof v === 'number'
			? [v, v, v]
			: [fallback, fallback, fallback];

/** Reads `preprocessor_config.json` (ViTImageProcessor / ConvNextImageProcessor style). */
export function imageProcessorConfig(raw: unknown): ImageProcessorConfig {
	const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
	const size = (typeof c.size === 'object' && c.size !== null ? c.size : { height: c.size, width: c.size }) as Json;
	const crop = (
		typeof c.crop_size === 'object' && c.crop_size !== null ? c.crop_size : { height: c.crop_size, width: c.crop_size }
	) as Json;
	const shortest = num(size.shortest_edge);
	const height = num(c.do_center_crop === false ? undefined : crop.height) ?? num(size.height) ?? shortest;
	const width = num(c.do_center_crop === false ? undefined : crop.width) ?? num(size.width) ?? shortest;
	if (!height || !width) throw new Error('preprocessor_config.json does not give an image size');
	return {
		height,
		width,
		shortestEdge: shortest ?? null,
		rescale: c.do_rescale === false ? null : (num(c.rescale_factor) ?? 1 / 255),
		mean: c.do_normalize === false ? null : triple(c.image_mean, 0.5),
		std: c.do_normalize === false ? null : triple(c.image_std, 0.5)
	};
}

/** Bilinear resampling with half-pixel centres (as PIL and torchvision's align_corners=False do), RGB only. */
export function resizeBilinear(img: RgbaImage, width: number, height: number): Float32Array {
	const out = new Float32Array(width * height * 3);
	const sx = img.width / width;
	const sy = img.height / height;
	for (let y = 0; y < height; y++) {
		const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
		const y0 = Math.floor(fy);
		const y1 = Math.min(y0 + 1, img.height - 1);
		const wy = fy - y0;
		for (let x = 0; x < width; x++) {
			const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
			const x0 = Math.floor(fx);
			const x1 = Math.min(x0 + 1, img.width - 1);
			const wx = fx - x0;
			for (let c = 0; c < 3; c++) {
				const at = (xx: number, yy: number) => img.data[(yy * img.width + xx) * 4 + c];
				const top = at(x0, y0) * (1 - wx) + at(x1, y0) * wx;
				const bottom = at(x0, y1) * (1 - wx) + at(x1, y1) * wx;
				out[(y * width + x) * 3 + c] = top * (1 - wy) + bottom * wy;
			}
		}
	}
	return out;
}

/** An image → `pixel_values` for one item, channels first: [3, height, width]. */
export function preprocessImage(img: RgbaImage, cfg: ImageProcessorConfig): Float32Array {
	let rgb: Float32Array;
	const [w, h] = [cfg.width, cfg.height];
	if (cfg.shortestEdge) {
		const scale = cfg.shortestEdge / Math.min(img.width, img.height);
		const [rw, rh] = [Math.max(cfg.width, Math.round(img.width * scale)), Math.max(cfg.height, Math.round(img.height * scale))];
		const resized = resizeBilinear(img, rw, rh);
		const [left, top] = [Math.floor((rw - w) / 2), Math.floor((rh - h) / 2)];
		rgb = new Float32Array(w * h * 3);
		for (let y = 0; y < h; y++) rgb.set(resized.subarray(((y + top) * rw + left) * 3, ((y + top) * rw + left + w) * 3), y * w * 3);
	} else {
		rgb = resizeBilinear(img, w, h);
	}
	const out = new Float32Array(3 * w * h);
	for (let c = 0; c < 3; c++) {
		for (let p = 0; p < w * h; p++) {
			let v = rgb[p * 3 + c];
			if (cfg.rescale !== null) v *= cfg.rescale;
			if (cfg.mean && cfg.std) v = (v - cfg.mean[c]) / cfg.std[c];
			out[c * w * h + p] = v;
		}
	}
	return out;
}
