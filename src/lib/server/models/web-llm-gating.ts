import { readFile } from 'node:fs/promises';
import type { Db } from '../db';
import type { BlobStore } from './blob-store';
import { listModels } from './model-queries';
import type { ModelManifest } from '../../protocol/models';
import type { Capabilities } from '../../protocol/volunteer';
import { isWebLlmModel, MLC_CONFIG, MLC_TENSOR_CACHE, webGpuShortfall, webLlmRequirements, type WebGpuRequirements } from '../../protocol/web-llm';

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

/**
 * The WebLLM models this volunteer must not be leased: those whose WebGPU needs its adapter does not
 * meet (every one, for a volunteer without WebGPU, such as the headless one). Checked before each
 * claim, so a volunteer that cannot run such a task never gets it.
 */
export async function modelsBeyondReach(db: Db, blobs: BlobStore, capabilities: Capabilities): Promise<string[]> {
	const excluded: string[] = [];
	for (const model of await listModels(db)) {
		if (!isWebLlmModel(model)) continue;
		const req = await requirementsOf(blobs, model).catch(() => null);
		if (!req || capabilities.agent !== 'browser' || webGpuShortfall(capabilities.webgpu, req)) excluded.push(model.id);
	}
	return excluded;
}
