/**
 * The owner's choices made on the volunteer page, kept in IndexedDB so they survive a reload and a
 * browser restart. Query parameters still win for the visit that carries them, without being saved:
 * a kiosk link does not overwrite what the owner chose.
 */
import { z } from 'zod';
import { VolunteerMode } from '$lib/protocol/volunteer';
import { StoredValue } from '$lib/storage/typed-store';
import { DEFAULT_SETTINGS, settingsFromQuery, type VolunteerSettings } from './settings';

/** Every field optional: settings saved by an older version, with fewer fields, still load. */
const SavedSettings = z
	.object({
		mode: VolunteerMode,
		backend: z.enum(['auto', 'webgpu', 'wasm']),
		threads: z.number().int().min(0).max(64),
		modelBudgetMb: z.number().min(0),
		idleDuration: z.number().min(1).max(86_400),
		batteryFloor: z.number().min(0).max(0.95),
		resumeDelay: z.number().min(0).max(3600),
		maxCpu: z.number().min(0.05).max(1),
		hours: z.object({ from: z.number().int().min(0).max(24), to: z.number().int().min(0).max(24) }).nullable(),
		maxTasks: z.number().int().min(0).max(16)
	})
	.partial();

const saved = new StoredValue('exostack:settings', SavedSettings);

/** The settings for this visit: defaults, then what the owner saved, then the query string. */
export async function loadSettings(query: URLSearchParams): Promise<VolunteerSettings> {
	return settingsFromQuery(query, { ...DEFAULT_SETTINGS, ...(await saved.get()) });
}

/** Saves the fields the owner changed, keeping the others as they were saved. */
export async function saveSettings(patch: Partial<VolunteerSettings>): Promise<void> {
	await saved.set({ ...(await saved.get()), ...patch });
}
