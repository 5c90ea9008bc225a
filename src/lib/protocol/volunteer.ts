import { z } from 'zod';
import { TaskType } from './models';

export const VOLUNTEER_MODES = ['always', 'auto', 'paused'] as const;
export const VolunteerMode = z.enum(VOLUNTEER_MODES);
export type VolunteerMode = z.infer<typeof VolunteerMode>;

/** Where a volunteer runs a model: WebGPU or WASM in a browser, onnxruntime-node for the headless agent. */
export const BACKENDS = ['webgpu', 'wasm', 'native'] as const;
export const Backend = z.enum(BACKENDS);
export type Backend = z.infer<typeof Backend>;

/**
 * Results are only compared within one backend class (BOINC's homogeneous redundancy): floating point
 * differs more between WebGPU, WASM and native code than between two runs of one of them. A WebGPU
 * adapter with `shader-f16` runs half-precision variants, one without it does not: two classes.
 * Replicas of a chunk are leased within one class; their results are compared only when the model
 * variant matches too (resultClassOf), and a class always picks the same variant of a model.
 */
export const BACKEND_CLASSES = ['webgpu-f16', 'webgpu-f32', 'wasm', 'native'] as const;
export type BackendClass = (typeof BACKEND_CLASSES)[number];

export function backendClassOf(backend: Backend, gpuFeatures: readonly string[] = []): BackendClass {
	if (backend === 'webgpu') return gpuFeatures.includes('shader-f16') ? 'webgpu-f16' : 'webgpu-f32';
	return backend;
}

/** The class a result is compared within: its volunteer's backend class and the model variant it ran. */
export function resultClassOf(cls: BackendClass, variant: string): string {
	return `${cls}/${variant}`;
}

export const WebGpuInfo = z.object({
	vendor: z.string().max(200),
	architecture: z.string().max(200),
	features: z.array(z.string().max(100)).max(100),
	maxBufferSize: z.number().nonnegative(),
	maxStorageBufferBindingSize: z.number().nonnegative()
});
export type WebGpuInfo = z.infer<typeof WebGpuInfo>;

export const Capabilities = z.object({
	agent: z.enum(['browser', 'node']),
	/** The backend this volunteer will run tasks on (its best one). */
	backend: Backend,
	webgpu: WebGpuInfo.nullable(),
	cores: z.number().int().min(1).max(1024),
	/** GiB, as navigator.deviceMemory reports it (rounded, capped at 8 by browsers); null when unknown. */
	deviceMemory: z.number().positive().max(4096).nullable(),
	crossOriginIsolated: z.boolean(),
	taskTypes: z.array(TaskType).min(1),
	userAgent: z.string().max(500).optional()
});
export type Capabilities = z.infer<typeof Capabilities>;

/**
 * The readiness a volunteer reports. `score` is the 0–100 readiness score; `ready` says whether it
 * will take work now (its mode and its laptop's state both allow it).
 */
export const Readiness = z.object({
	score: z.number().min(0).max(100),
	ready: z.boolean()
});
export type Readiness = z.infer<typeof Readiness>;
