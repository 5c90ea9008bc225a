import { VOLUNTEER_MODES, type VolunteerMode } from '$lib/protocol/volunteer';
import { ANY_TIME, parseDayHours, parseSchedule, type WeeklySchedule } from './schedule';

export interface VolunteerSettings {
	mode: VolunteerMode;
	/** `auto` probes for WebGPU; `wasm` never uses it (for a volunteer whose GPU should stay free). */
	backend: 'auto' | 'webgpu' | 'wasm';
	/** WASM threads; 0 means the power tier's share of the cores. */
	threads: number;
	/** MB (10^6 bytes) of disk the model cache may use; 0 means half of what the browser allows this site. */
	modelBudgetMb: number;
	/** Seconds without the owner before `auto` counts the machine as idle (the seed's idle_duration). */
	idleDuration: number;
	/** Battery level (0–1) at or under which no AI work runs on battery. */
	batteryFloor: number;
	/** Seconds of continuous readiness before computing resumes after a yield (hysteresis). */
	resumeDelay: number;
	/** The owner's cap on the CPU share (0–1); the power tier's cap applies too, whichever is lower. */
	maxCpu: number;
	/** When computing is allowed, per day of the week (schedule.ts); it replaced the single `hours` setting. */
	schedule: WeeklySchedule;
	/** The owner's cap on tasks run at once; 0: the power tier's (5 plugged in … 1 on a low battery). */
	maxTasks: number;
	/** CPU pressure that stops computing: `critical` is the built-in stop; `serious` stops earlier, keeping the machine cooler. */
	heatLimit: HeatLimit;
	/** The only models this machine serves; null: every model the hub has. */
	models: string[] | null;
	/** The largest model download (MB, 10^6 bytes) this machine accepts; cached files do not count. 0: no limit. */
	maxDownloadMb: number;
	/** Download models on a metered or Save-Data connection too (by default only cached models are taken there). */
	allowMetered: boolean;
}

export const HEAT_LIMITS = ['critical', 'serious'] as const;
export type HeatLimit = (typeof HEAT_LIMITS)[number];

export const DEFAULT_SETTINGS: VolunteerSettings = {
	mode: 'always',
	backend: 'auto',
	threads: 0,
	modelBudgetMb: 0,
	idleDuration: 300,
	batteryFloor: 0.2,
	resumeDelay: 30,
	maxCpu: 1,
	schedule: ANY_TIME,
	maxTasks: 0,
	heatLimit: 'critical',
	models: null,
	maxDownloadMb: 0,
	allowMetered: false
};

const num = (params: URLSearchParams, key: string) => (params.has(key) ? Number(params.get(key)) : NaN);
const within = (v: number, min: number, max: number) => Number.isFinite(v) && v >= min && v <= max;

/** `hours=9-17` (every day; `hours=any` clears it), then `schedule=mon:9-17,sat:off` for single days; undefined: neither. */
function scheduleFromQuery(params: URLSearchParams, base: WeeklySchedule): WeeklySchedule | undefined {
	const hours = parseDayHours(params.get('hours') ?? 'x');
	const all = hours === undefined ? base : Array.from({ length: 7 }, () => hours);
	return params.has('schedule') ? parseSchedule(params.get('schedule')!, all) : hours === undefined ? undefined : all;
}

/** `models=a,b` (only these; `models=all` for every one): ids as the hub names them, at most 100. */
function modelsFromQuery(text: string | null): string[] | null | undefined {
	if (text === null) return undefined;
	if (text === 'all') return null;
	const ids = text.split(',').map((id) => id.trim());
	return ids.length <= 100 && ids.every((id) => id.length > 0 && id.length <= 200) ? ids : undefined;
}

/**
 * Settings from the page's query string, for kiosks and tests (`?mode=auto&idle_duration=60&battery_floor=20
 * &resume_delay=5&max_cpu=30&max_tasks=2&hours=9-17&schedule=sat:off&backend=wasm&threads=2&model_budget_mb=500
 * &heat_limit=serious&models=a,b&max_download_mb=100&allow_metered=1`), over `base` (the owner's saved settings);
 * bad values are ignored. Percentages are given as 0–100.
 */
export function settingsFromQuery(params: URLSearchParams, base = DEFAULT_SETTINGS): VolunteerSettings {
	const mode = params.get('mode');
	const backend = params.get('backend');
	const threads = num(params, 'threads');
	const budget = num(params, 'model_budget_mb');
	const idle = num(params, 'idle_duration');
	const floor = num(params, 'battery_floor');
	const resume = num(params, 'resume_delay');
	const cpu = num(params, 'max_cpu');
	const schedule = scheduleFromQuery(params, base.schedule);
	const tasks = num(params, 'max_tasks');
	const heat = params.get('heat_limit');
	const models = modelsFromQuery(params.get('models'));
	const download = num(params, 'max_download_mb');
	const metered = params.get('allow_metered');
	return {
		mode: (VOLUNTEER_MODES as readonly string[]).includes(mode ?? '') ? (mode as VolunteerMode) : base.mode,
		backend: backend === 'webgpu' || backend === 'wasm' || backend === 'auto' ? backend : base.backend,
		threads: Number.isInteger(threads) && threads > 0 && threads <= 64 ? threads : base.threads,
		modelBudgetMb: Number.isFinite(budget) && budget > 0 && budget <= 1e9 ? budget : base.modelBudgetMb,
		idleDuration: within(idle, 1, 86_400) ? idle : base.idleDuration,
		batteryFloor: within(floor, 0, 95) ? floor / 100 : base.batteryFloor,
		resumeDelay: within(resume, 0, 3600) ? resume : base.resumeDelay,
		maxCpu: within(cpu, 5, 100) ? cpu / 100 : base.maxCpu,
		schedule: schedule ?? base.schedule,
		maxTasks: Number.isInteger(tasks) && tasks >= 0 && tasks <= 16 ? tasks : base.maxTasks,
		heatLimit: heat === 'serious' || heat === 'critical' ? heat : base.heatLimit,
		models: models === undefined ? base.models : models,
		maxDownloadMb: within(download, 0, 1e7) ? download : base.maxDownloadMb,
		allowMetered: metered === '1' || metered === '0' ? metered === '1' : base.allowMetered
	};
}
