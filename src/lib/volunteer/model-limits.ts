/**
 * The owner's model limits as they stand now (the models this machine serves, the largest download it
 * accepts, and no downloads on a metered connection unless allowed): sent with each task request so the
 * hub leases only what they allow, checked again on each lease before anything downloads, and described
 * on the readiness panel.
 */
import { z } from 'zod';
import type { ModelLimits } from '$lib/protocol/events';
import { ModelFile, TaskType } from '$lib/protocol/models';
import { downloadBytes } from '$lib/protocol/model-downloads';
import { SHA256 } from '$lib/protocol/ids';
import { MODEL_CACHE_NAME } from '$lib/worker/model-cache';
import type { MeteredReason } from './sensors/network-sensor';
import type { VolunteerSettings } from './settings';

type Limits = Pick<VolunteerSettings, 'models' | 'maxDownloadMb' | 'allowMetered'>;

/** Bytes of model download allowed now: 0 on a metered connection the owner has not allowed; undefined: no limit. */
export function downloadLimit(s: Limits, metered: MeteredReason | null): number | undefined {
	if (metered && !s.allowMetered) return 0;
	return s.maxDownloadMb > 0 ? Math.round(s.maxDownloadMb * 1e6) : undefined;
}

const METERED: Record<MeteredReason, string> = {
	'save-data': 'the browser asks to save data',
	cellular: 'on a metered connection'
};

/** The limits that narrow which models this machine takes, in words for the readiness panel. */
export function modelLimitNotes(s: Limits, metered: MeteredReason | null): string[] {
	const notes: string[] = [];
	if (s.models) notes.push(`serving only ${s.models.join(', ')}`);
	if (metered && !s.allowMetered) notes.push(`model downloads paused: ${METERED[metered]} (cached models still run)`);
	else if (s.maxDownloadMb > 0) notes.push(`model downloads up to ${s.maxDownloadMb} MB`);
	return notes;
}

/** What the task request carries; undefined when the owner set no limit (any model, any download). */
export async function currentModelLimits(s: Limits, metered: MeteredReason | null): Promise<ModelLimits | undefined> {
	const max = downloadLimit(s, metered);
	if (!s.models && max === undefined) return undefined;
	return {
		...(s.models ? { only: s.models.slice(0, 100) } : {}),
		...(max === undefined ? {} : { maxDownloadBytes: max, cached: await cachedFiles() })
	};
}

/** The sha256 of the model files in this origin's cache (the worker's ModelCache keeps them under /blobs/<sha256>). */
async function cachedFiles(): Promise<string[]> {
	// Unreadable counts as nothing cached: the limits then refuse more, never less.
	const keys = await (typeof caches === 'undefined' ? Promise.resolve([]) : caches.open(MODEL_CACHE_NAME).then((c) => c.keys())).catch(
		() => []
	);
	return keys
		.map((r) => new URL(r.url).pathname.split('/').pop() ?? '')
		.filter((sha) => SHA256.test(sha))
		.slice(0, 512);
}

/** GET /api/models, as far as the controls need it: each model's id and files. */
const HubModels = z
	.array(z.object({ id: z.string().min(1).max(200), task_types: z.array(TaskType), files: z.array(ModelFile) }))
	.max(10_000);

/** The hub's models for the owner to choose from, with each one's download (largest variant); empty when the hub will not say. */
export async function hubModels(): Promise<{ id: string; downloadMb: number }[]> {
	const response = await fetch('/api/models').catch(() => null);
	const parsed = HubModels.safeParse(response?.ok ? await response.json().catch(() => null) : null);
	if (!parsed.success) return [];
	return parsed.data.map((m) => ({
		id: m.id,
		downloadMb: Math.ceil(downloadBytes({ files: m.files, taskTypes: m.task_types }, new Set()) / 1e5) / 10
	}));
}
