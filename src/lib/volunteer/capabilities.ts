/**
 * What this browser can offer: a WebGPU adapter (probed, not assumed: the API can exist with no
 * adapter behind it), cores, memory and isolation. The backend follows: WebGPU when an adapter
 * exists, multi-threaded WASM otherwise.
 */
import type { Capabilities } from '$lib/protocol/volunteer';
import type { TaskType } from '$lib/protocol/models';
import { probeWebGpu } from '$lib/gpu/probe-webgpu';

type NavigatorWithGpu = Navigator & { deviceMemory?: number };

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
