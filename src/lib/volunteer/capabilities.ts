/**
 * What this browser can offer: a WebGPU adapter (probed, not assumed: the API can exist with no
 * adapter behind it), cores, memory and isolation. The backend follows: WebGPU when an adapter
 * exists, multi-threaded WASM otherwise.
 */
import type { Capabilities, WebGpuInfo } from '$lib/protocol/volunteer';
import type { TaskType } from '$lib/protocol/models';

interface GpuAdapterLike {
	info?: { vendor?: string; architecture?: string };
	features: Iterable<string>;
	limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}
type NavigatorWithGpu = Navigator & {
	gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> };
	deviceMemory?: number;
};

export async function probeWebGpu(): Promise<WebGpuInfo | null> {
	const gpu = (navigator as NavigatorWithGpu).gpu;
	if (!gpu) return null;
	try {
		const adapter = await gpu.requestAdapter();
		if (!adapter) return null;
		return {
			vendor: adapter.info?.vendor ?? '',
			architecture: adapter.info?.architecture ?? '',
			features: [...adapter.features].slice(0, 100),
			maxBufferSize: adapter.limits.maxBufferSize,
			maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
		};
	} catch {
		return null;
	}
}

export async function detectCapabilities(taskTypes: TaskType[], allowWebGpu = true): Promise<Capabilities> {
	const nav = navigator as NavigatorWithGpu;
	const webgpu = allowWebGpu ? await probeWebGpu() : null;
	return {
		agent: 'browser',
		backend: webgpu ? 'webgpu' : 'wasm',
		webgpu,
		cores: Math.max(1, nav.hardwareConcurrency || 1),
		deviceMemory: nav.deviceMemory ?? null,
		crossOriginIsolated: globalThis.crossOriginIsolated === true,
		taskTypes,
		userAgent: nav.userAgent.slice(0, 500)
	};
}
