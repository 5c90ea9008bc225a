import { asc, eq, inArray, sql } from 'drizzle-orm';
import { jobs, models } from '../db/schema';
import type { Db } from '../db';
import type { ModelManifest } from '../../protocol/models';
import { isStorableText } from '../db/storable-text';
import type { ModelSource } from '../db/schema/states';

type ModelRow = typeof models.$inferSelect;

function toManifest(row: ModelRow): ModelManifest {
	return { id: row.id, taskTypes: row.taskTypes, files: row.files, ...(row.embedding ? { embedding: row.embedding } : {}) };
}

export async function listModels(db: Db): Promise<(ModelManifest & { source: string; cost: number; createdAt: Date })[]> {
	const rows = await db.select().from(models).orderBy(asc(models.id));
	return rows.map((r) => ({ ...toManifest(r), source: r.source, cost: r.cost, createdAt: r.createdAt }));
}

export async function getModel(db: Db, id: string): Promise<ModelManifest | null> {
	// An id from a URL (`%00`) can hold what no stored id can, and the query would fail on it.
	if (!isStorableText(id)) return null;
	const [row] = await db.select().from(models).where(eq(models.id, id));
	return row ? toManifest(row) : null;
}

/** Manifests for a set of model ids, keyed by id (one query for a whole batch of leases). */
export async function getModels(db: Db, ids: string[]): Promise<Map<string, ModelManifest>> {
	if (ids.length === 0) return new Map();
	const rows = await db.select().from(models).where(inArray(models.id, ids));
	return new Map(rows.map((r) => [r.id, toManifest(r)]));
}

/** Credit per input for a model: its weights' size in MB (work grows with it), at least 1. */
export function modelCost(manifest: ModelManifest): number {
	const weights = manifest.files.filter((f) => f.path.endsWith('.onnx')).reduce((n, f) => n + f.size, 0);
	return Math.max(1, Math.round(weights / 1e5) / 10);
}

/**
 * Records a model, or replaces one of the same id that no job has used. A model a job used is
 * immutable (its results must stay reproducible and its volunteers' cached copies right): replacing it
 * with different files is refused ('in-use'); the same files again (a demo model regenerated) are a no-op.
 */
export async function saveModel(db: Db, manifest: ModelManifest, source: ModelSource): Promise<'saved' | 'in-use'> {
	const values = {
		taskTypes: manifest.taskTypes,
		files: manifest.files,
		embedding: manifest.embedding ?? null,
		cost: modelCost(manifest),
		source
	};
	const saved = await db
		.insert(models)
		.values({ id: manifest.id, ...values })
		.onConflictDoUpdate({
			target: models.id,
			set: values,
			setWhere: sql`${models.files} = excluded.files or not exists (select 1 from ${jobs} where ${jobs.modelId} = excluded.id)`
		})
		.returning({ id: models.id });
	return saved.length ? 'saved' : 'in-use';
}
