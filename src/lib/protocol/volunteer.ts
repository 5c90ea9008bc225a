import { z } from 'zod';
import { TaskType } from './models';
import { POWER_TIERS } from '../readiness/power-tiers';

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
 * Where the owner is: `active` at the machine, or `idle` for `seconds`. `source` is how the volunteer
 * knows: the Idle Detection API, input and visibility of the page (its fallback), or `none` for an
 * agent that has no owner at a keyboard (the headless volunteer): it counts as long idle.
 */
export const IdleReport = z.object({
	state: z.enum(['active', 'idle']),
	seconds: z.number().nonnegative().max(1e9),
	thresholdSeconds: z.number().positive().max(86_400),
	source: z.enum(['idle-detection', 'page', 'none'])
});
export type IdleReport = z.infer<typeof IdleReport>;

export const PowerReport = z.object({ charging: z.boolean(), level: z.number().min(0).max(1) });

/**
 * The readiness a volunteer reports. `score` is the 0–100 readiness score; `ready` says whether it
 * will take work now (its mode and its laptop's state both allow it). The signals behind them are
 * optional (an older agent sends only the two): with them the hub scores the volunteer itself with the
 * same pure function, and enforces the power tier and the band.
 */
export const Readiness = z.object({
	score: z.number().min(0).max(100),
	ready: z.boolean(),
	idle: IdleReport.optional(),
	/** Battery Status; null when the API is absent. */
	power: PowerReport.nullable().optional(),
	/** Battery level (0–1) at or under which this volunteer does no AI work on battery. */
	batteryFloor: z.number().min(0).max(1).optional(),
	/** Compute Pressure (`cpu`); null when the API is absent. */
	pressure: z.enum(['nominal', 'fair', 'serious', 'critical']).nullable().optional(),
	/** The power tier the volunteer applies (its hysteresis carries across reports). */
	tier: z.enum(POWER_TIERS).optional(),
	band: z.enum(['heavy', 'moderate', 'light', 'none']).optional()
});
export type Readiness = z.infer<typeof Readiness>;
