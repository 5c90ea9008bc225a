/**
 * The owner's choices made on the volunteer page, kept in IndexedDB so they survive a reload and a
 * browser restart. Query parameters still win for the visit that carries them, without being saved:
 * a kiosk link does not overwrite what the owner chose.
 */
import { z } from 'zod';
import { VolunteerMode } from '$lib/protocol/volunteer';
import { StoredValue } from '$lib/storage/typed-store';
import { DEFAULT_SETTINGS, HEAT_LIMITS, settingsFromQuery, type VolunteerSettings } from './settings';
import { scheduleFromHours, WeeklySchedule } from './schedule';

/**
 * Every field optional: settings saved by an older version, with fewer fields, still load. Each field is
 * checked on its own (storage is outside input: an older version, or someone, may have written anything
 * there), so one bad field falls back to its default without taking the owner's other choices with it.
 */
const fields = {
	mode: VolunteerMode,
	backend: z.enum(['auto', 'webgpu', 'wasm']),
	threads: z.number().int().min(0).max(64),
	modelBudgetMb: z.number().min(0),
	idleDuration: z.number().min(1).max(86_400),
	batteryFloor: z.number().min(0).max(0.95),
	resumeDelay: z.number().min(0).max(3600),
	maxCpu: z.number().min(0.05).max(1),
	/** The single daily span saved before the weekly schedule: read, never written (scheduleFromHours). */
	hours: z.object({ from: z.number().int().min(0).max(24), to: z.number().int().min(0).max(24) }).nullable(),
	schedule: WeeklySchedule,
	maxTasks: z.number().int().min(0).max(16),
	heatLimit: z.enum(HEAT_LIMITS),
	models: z.array(z.string().min(1).max(200)).max(100).nullable(),
	maxDownloadMb: z.number().min(0).max(1e7),
	allowMetered: z.boolean()
};
type Saved = { [K in keyof typeof fields]?: z.infer<(typeof fields)[K]> };

const saved = new StoredValue('exostack:settings', z.record(z.string(), z.unknown()));

/** The fields of a saved record that are valid; the others are dropped. */
function validFields(record: Record<string, unknown> | undefined): Saved {
	const valid: Record<string, unknown> = {};
	for (const [key, schema] of Object.entries(fields) as [keyof typeof fields, z.ZodType][]) {
		const parsed = schema.safeParse(record?.[key]);
		if (key in (record ?? {}) && parsed.success) valid[key] = parsed.data;
	}
	return valid as Saved;
}

/** Saved settings as this version's: the old `hours` become the weekly schedule unless one was saved since. */
export function migrateSettings(record: Record<string, unknown> | undefined): Partial<VolunteerSettings> {
	const { hours, ...rest } = validFields(record);
	return hours !== undefined && rest.schedule === undefined ? { ...rest, schedule: scheduleFromHours(hours) } : rest;
}

/** The settings for this visit: defaults, then what the owner saved, then the query string. */
export async function loadSettings(query: URLSearchParams): Promise<VolunteerSettings> {
	return settingsFromQuery(query, { ...DEFAULT_SETTINGS, ...migrateSettings(await saved.get()) });
}

/** The last save queued: each waits for the one before it. */
let queue: Promise<void> = Promise.resolve();

/**
 * Saves the fields the owner changed, keeping the others as they were saved. Saves run one at a time:
 * each reads what the last one wrote, so two quick changes (a mode and a schedule) cannot write over each
 * other with what they read before either landed.
 */
export function saveSettings(patch: Partial<VolunteerSettings>): Promise<void> {
	const save = queue.then(async () => saved.set({ ...migrateSettings(await saved.get()), ...patch }));
	queue = save.catch(() => {});
	return save;
}
