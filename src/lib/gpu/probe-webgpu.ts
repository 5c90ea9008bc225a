/**
 * Whether this browser context has a WebGPU adapter, and what it offers. Probed, not assumed: the API can
 * exist with no adapter behind it. The page (capabilities) and the inference worker (WebLLM gating) both
 * ask, so it lives in neither.
 */
import type { WebGpuInfo } from '../protocol/volunteer';

interface GpuAdapterLike {
	info?: { vendor?: string; architecture?: string };
	features: Iterable<string>;
	limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}
type NavigatorWithGpu = Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } };

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
