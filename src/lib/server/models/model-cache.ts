import type { Db } from '../db';
import type { ModelManifest } from '../../protocol/models';
import { getModels } from './model-queries';
import { isStorableText } from '../db/storable-text';

/**
 * Model manifests for leases, kept for a few seconds: every task request needs its models' manifests,
 * and they change only when an operator re-imports a model (a replaced model is seen within `ttlMs`).
 */
export class ModelCache {
	private entries = new Map<string, { manifest: ModelManifest; until: number }>();

	constructor(
		private readonly db: Db,
		private readonly ttlMs = 5000
	) {}

	async get(ids: string[]): Promise<Map<string, ModelManifest>> {
		const now = Date.now();
		const missing = ids.filter((id) => !((this.entries.get(id)?.until ?? 0) > now));
		if (missing.length > 0) {
			for (const [id, manifest] of await getModels(this.db, missing)) this.entries.set(id, { manifest, until: now + this.ttlMs });
		}
		return new Map(ids.flatMap((id) => (this.entries.has(id) ? [[id, this.entries.get(id)!.manifest] as const] : [])));
	}

	/** One model's manifest, or null when the hub has none by that id (an id no stored one could be, `%00`, included). */
	async one(id: string): Promise<ModelManifest | null> {
		if (!isStorableText(id)) return null;
		return (await this.get([id])).get(id) ?? null;
	}

	/** Forget a model now (this process imported or replaced it). */
	forget(id: string) {
		this.entries.delete(id);
	}
}
