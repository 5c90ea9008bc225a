import { VOLUNTEER_MODES, type VolunteerMode } from '$lib/protocol/volunteer';

export interface VolunteerSettings {
	mode: VolunteerMode;
	/** `auto` probes for WebGPU; `wasm` never uses it (for a volunteer whose GPU should stay free). */
	backend: 'auto' | 'webgpu' | 'wasm';
	/** WASM threads; 0 means one per core. */
	threads: number;
	/** MB (10^6 bytes) of disk the model cache may use; 0 means half of what the browser allows this site. */
	modelBudgetMb: number;
}

export const DEFAULT_SETTINGS: VolunteerSettings = { mode: 'always', backend: 'auto', threads: 0, modelBudgetMb: 0 };

/**
 * Settings from the page's query string (`?mode=auto&backend=wasm&threads=2&model_budget_mb=500`), for
 * kiosks and tests, over `base` (the owner's saved settings); bad values are ignored.
 */
export function settingsFromQuery(params: URLSearchParams, base = DEFAULT_SETTINGS): VolunteerSettings {
	const mode = params.get('mode');
	const backend = params.get('backend');
	const threads = Number(params.get('threads'));
	const budget = Number(params.get('model_budget_mb'));
	return {
		mode: (VOLUNTEER_MODES as readonly string[]).includes(mode ?? '') ? (mode as VolunteerMode) : base.mode,
		backend: backend === 'webgpu' || backend === 'wasm' || backend === 'auto' ? backend : base.backend,
		threads: Number.isInteger(threads) && threads > 0 && threads <= 64 ? threads : base.threads,
		modelBudgetMb: Number.isFinite(budget) && budget > 0 && budget <= 1e9 ? budget : base.modelBudgetMb
	};
}
