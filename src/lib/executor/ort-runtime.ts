/**
 * The slice of the onnxruntime API the executor uses, written structurally so
 * that both `onnxruntime-web` (browser worker) and `onnxruntime-node` satisfy
 * it and the executor never imports either at runtime: the caller injects the
 * module it already loaded, and the browser bundle never drags in the other.
 */

export interface OrtTensor {
	readonly dims: readonly number[];
	readonly type: string;
	/** A typed array for CPU tensors; reading it from a GPU-resident tensor throws. */
	readonly data: unknown;
	/** Frees native/GPU memory early; optional because older runtimes lack it. */
	dispose?(): void;
}

export interface OrtSession {
	readonly inputNames: readonly string[];
	readonly outputNames: readonly string[];
	/** Types and shapes of the inputs (onnxruntime 1.21+); used to feed fp16 caches in their own type. */
	readonly inputMetadata?: readonly { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] }[];
	run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Readonly<Record<string, OrtTensor>>>;
	release(): Promise<void>;
}

export interface OrtRuntime {
	InferenceSession: {
		create(model: Uint8Array, options?: object): Promise<OrtSession>;
	};
	Tensor: {
		new (type: 'int64', data: BigInt64Array, dims: readonly number[]): OrtTensor;
		new (type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
		new (type: 'float16', data: Uint16Array, dims: readonly number[]): OrtTensor;
		new (type: 'bool', data: Uint8Array, dims: readonly number[]): OrtTensor;
	};
}
