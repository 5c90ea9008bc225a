/**
 * The hub's models as read before a claim, reused for a few seconds: the claim's exclusions (WebLLM
 * gating, owners' limits) read them on every task request, and models change rarely. A model
 * imported by another hub process within the window is caught after the claim or by the volunteer.
 */
import type { Db } from '../db';
import { listModels } from './model-queries';
import type { ModelManifest } from '../../protocol/models';

/** How long the list of models is reused. */
const LIST_TTL_MS = 5000;
/** Per database (tests run several hubs in one process). */
const listed = new WeakMap<Db, { models: Promise<ModelManifest[]>; until: number }>();

export function recentModels(db: Db): Promise<ModelManifest[]> {
	let entry = listed.get(db);
	if (!entry || entry.until <= Date.now()) {
		const models = listModels(db);
		entry = { models, until: Date.now() + LIST_TTL_MS };
		listed.set(db, entry);
		models.catch(() => listed.get(db)?.models === models && listed.delete(db));
	}
	return entry.models;
}

/** Forget the list now (this process imported or replaced a model). */
export function forgetRecentModels(db: Db): void {
	listed.delete(db);
}
