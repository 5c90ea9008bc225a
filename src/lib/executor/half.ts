/**
 * IEEE 754 half precision, for fp16 model variants: onnxruntime hands float16 tensors over as
 * Uint16Array bit patterns in both the browser and Node, so logits and cached keys are converted here.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bits, rounding to nearest even, with overflow to ±Infinity and NaN kept. */
export function toHalf(value: number): number {
	f32[0] = value;
	const x = u32[0];
	const sign = (x >>> 16) & 0x8000;
	const exp = (x >>> 23) & 0xff;
	let mant = x & 0x7fffff;
	if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
	const e = exp - 127 + 15;
	if (e >= 0x1f) return sign | 0x7c00;
	if (e <= 0) {
		if (e < -10) return sign;
		mant |= 0x800000;
		const shift = 14 - e;
		const half = mant >>> shift;
		const rest = mant & ((1 << shift) - 1);
		const mid = 1 << (shift - 1);
		return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
	}
	const half = (e << 10) | (mant >>> 13);
	const rest = mant & 0x1fff;
	// A carry out of the mantissa correctly bumps the exponent (and can reach Infinity).
	return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** float16 bits → number (exact). */
export function fromHalf(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exp = (bits >>> 10) & 0x1f;
	const mant = bits & 0x3ff;
	if (exp === 0) return sign * mant * 2 ** -24;
	if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
	return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function halfArray(values: ArrayLike<number>): Uint16Array {
	const out = new Uint16Array(values.length);
	for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i]);
	return out;
}

/** A tensor's data as float32, whether it came out as float32 or float16 bits. */
export function asFloat32(type: string, data: unknown): Float32Array {
	if (type === 'float32') return data as Float32Array;
	if (type === 'float16') {
		const bits = data as ArrayLike<number>;
		const out = new Float32Array(bits.length);
		// Float16Array, where a runtime has it, already yields numbers; bit patterns need decoding.
		const decoded = !(bits instanceof Uint16Array);
		for (let i = 0; i < bits.length; i++) out[i] = decoded ? bits[i] : fromHalf(bits[i]);
		return out;
	}
	throw new Error(`expected a float tensor, got ${type}`);
}
