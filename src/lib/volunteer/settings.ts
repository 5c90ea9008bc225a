import { VOLUNTEER_MODES, type VolunteerMode } from '$lib/protocol/volunteer';

/** Hours of the day (local time) computing is allowed: from `from` to `to`, wrapping past midnight when to < from. */
export interface AllowedHours {
	from: number;
	to: number;
}

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
	/** Null: any hour. */
	hours: AllowedHours | null;
	/** The owner's cap on tasks run at once; 0: the power tier's (5 plugged in … 1 on a low battery). */
	maxTasks: number;
}

export const DEFAULT_SETTINGS: VolunteerSettings = {
	mode: 'always',
	backend: 'auto',
	threads: 0,
	modelBudgetMb: 0,
	idleDuration: 300,
	batteryFloor: 0.2,
	resumeDelay: 30,
	maxCpu: 1,
	hours: null,
	maxTasks: 0
};

const num = (params: URLSearchParams, key: string) => (params.has(key) ? Number(params.get(key)) : NaN);
const within = (v: number, min: number, max: number) => Number.isFinite(v) && v >= min && v <= max;

/** `hours=9-17` (from 9:00 to 17:00) or `hours=22-6` (overnight); `hours=any` clears it. */
export function parseHours(text: string | null): AllowedHours | null | undefined {
	if (text === 'any') return null;
	const m = /^(\d{1,2})-(\d{1,2})$/.exec(text ?? '');
	if (!m) return undefined;
	const [from, to] = [Number(m[1]), Number(m[2])];
	return from <= 24 && to <= 24 && from !== to ? { from, to } : undefined;
}

export function withinHours(hours: AllowedHours | null, date = new Date()): boolean {
	if (!hours) return true;
	const h = date.getHours() + date.getMinutes() / 60;
	return hours.from < hours.to ? h >= hours.from && h < hours.to : h >= hours.from || h < hours.to;
}

/**
 * Settings from the page's query string, for kiosks and tests (`?mode=auto&idle_duration=60&battery_floor=20
 * &resume_delay=5&max_cpu=30&max_tasks=2&hours=9-17&backend=wasm&threads=2&model_budget_mb=500`), over `base` (the
 * owner's saved settings); bad values are ignored. Percentages are given as 0–100.
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
	const hours = parseHours(params.get('hours'));
	const tasks = num(params, 'max_tasks');
	return {
		mode: (VOLUNTEER_MODES as readonly string[]).includes(mode ?? '') ? (mode as VolunteerMode) : base.mode,
		backend: backend === 'webgpu' || backend === 'wasm' || backend === 'auto' ? backend : base.backend,
		threads: Number.isInteger(threads) && threads > 0 && threads <= 64 ? threads : base.threads,
		modelBudgetMb: Number.isFinite(budget) && budget > 0 && budget <= 1e9 ? budget : base.modelBudgetMb,
		idleDuration: within(idle, 1, 86_400) ? idle : base.idleDuration,
		batteryFloor: within(floor, 0, 95) ? floor / 100 : base.batteryFloor,
		resumeDelay: within(resume, 0, 3600) ? resume : base.resumeDelay,
		maxCpu: within(cpu, 5, 100) ? cpu / 100 : base.maxCpu,
		hours: hours === undefined ? base.hours : hours,
		maxTasks: Number.isInteger(tasks) && tasks >= 0 && tasks <= 16 ? tasks : base.maxTasks
	};
}
