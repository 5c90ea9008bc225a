import { readFile } from 'node:fs/promises';
import type { Db } from '../db';
import type { BlobStore } from './blob-store';
import { forgetRecentModels, recentModels } from './recent-models';
import type { ModelManifest } from '../../protocol/models';
import type { Capabilities } from '../../protocol/volunteer';
import {
	isWebLlmModel,
	MLC_CONFIG,
	MLC_TENSOR_CACHE,
	webGpuShortfall,
	webLlmRequirements,
	type WebGpuRequirements
} from '../../protocol/web-llm';

/** Requirements per model file set: a model's files never change under one sha256, so this never goes stale. */
const cache = new Map<string, WebGpuRequirements>();

async function requirementsOf(blobs: BlobStore, model: ModelManifest): Promise<WebGpuRequirements> {
	const config = model.files.find((f) => f.path === MLC_CONFIG)!;
	const tensors = model.files.find((f) => f.path === MLC_TENSOR_CACHE);
	const key = `${config.sha256}:${tensors?.sha256}`;
	const known = cache.get(key);
	if (known) return known;
	const json = async (sha: string | undefined) => (sha ? JSON.parse(await readFile(blobs.path(sha)!, 'utf8')) : {});
	const req = webLlmRequirements(await json(config.sha256), await json(tensors?.sha256));
	cache.set(key, req);
	return req;
}

async function webLlmModels(db: Db): Promise<ModelManifest[]> {
	return (await recentModels(db)).filter(isWebLlmModel);
}

/** Whether a volunteer with these capabilities cannot run this WebLLM model (its adapter falls short, or it has none). */
export async function beyondReach(blobs: BlobStore, model: ModelManifest, capabilities: Capabilities): Promise<boolean> {
	const req = await requirementsOf(blobs, model).catch(() => null);
	return !req || capabilities.agent !== 'browser' || webGpuShortfall(capabilities.webgpu, req) !== null;
}

/**
 * The WebLLM models this volunteer must not be leased: those whose WebGPU needs its adapter does not
 * meet (every one, for a volunteer without WebGPU, such as the headless one). Read before each claim
 * from a list at most LIST_TTL_MS old (recent-models.ts); a model imported by another hub process within that window is
 * caught after the claim instead (lease() checks each leased model with beyondReach), so a volunteer
 * that cannot run such a task never runs it.
 */
export async function modelsBeyondReach(db: Db, blobs: BlobStore, capabilities: Capabilities): Promise<string[]> {
	const excluded: string[] = [];
	for (const model of await webLlmModels(db)) if (await beyondReach(blobs, model, capabilities)) excluded.push(model.id);
	return excluded;
}

/** Forget the cached list now (this process imported a model). */
export function forgetWebLlmModels(db: Db): void {
	forgetRecentModels(db);
}
