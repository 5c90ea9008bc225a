import { eq, inArray } from 'drizzle-orm';
import { jobs, models, tasks } from '../db/schema';
import type { Db } from '../db';
import { BACKEND_CLASSES, resultClassOf, type BackendClass } from '../../protocol/volunteer';
import { variantForClass, type ModelVariant } from '../../protocol/variants';
import { isWebLlmModel } from '../../protocol/web-llm';
import type { ModelManifest } from '../../protocol/models';

/**
 * The variant a lease of this backend class runs. A WebLLM build is one variant by itself; a model
 * with no usable graph gets fp32, which its volunteer then fails to load like any broken model.
 */
export function leaseVariant(model: Pick<ModelManifest, 'id' | 'files'>, cls: BackendClass, params: Record<string, unknown>): ModelVariant {
	if (isWebLlmModel(model)) return 'fp32';
	try {
		return variantForClass(model, cls, params.variant);
	} catch {
		return 'fp32';
	}
}

/**
 * The class a lease's result is compared within: the backend class the lease was granted to
 * (tasks.backend_class) and the variant the hub chose for it, whatever the result says it ran. A
 * volunteer naming another class or variant is compared where its lease put it, and a wrong answer
 * there is invalid, not "unchecked". One query for a group of results; tasks that are gone are absent.
 */
export async function leaseResultClasses(db: Db, taskIds: number[]): Promise<Map<number, string>> {
	if (taskIds.length === 0) return new Map();
	const rows = await db
		.select({ taskId: tasks.id, cls: tasks.backendClass, params: jobs.params, id: models.id, files: models.files })
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.innerJoin(models, eq(models.id, tasks.modelId))
		.where(inArray(tasks.id, taskIds));
	return new Map(
		rows.map((row) => {
			const cls = BACKEND_CLASSES.find((c) => c === row.cls) ?? 'native';
			return [row.taskId, resultClassOf(cls, leaseVariant(row, cls, row.params))];
		})
	);
}
