import { eq, or, sql } from 'drizzle-orm';
import { jobs, models, tasks } from '../db/schema';
import type { Db } from '../db';
import { heldLease, type LeaseClaim } from './lease-transitions';

export type CurrentLease = NonNullable<Awaited<ReturnType<typeof currentLeases>>[number]>;

/**
 * The leases as they stand (no lock: whatever writes next re-checks the fence), with what checking and
 * crediting their results needs, in one query for a whole group; null where a claim is not the holder's.
 */
export async function currentLeases(db: Db, claims: LeaseClaim[]) {
	if (claims.length === 0) return [];
	const rows = await db
		.select({
			taskId: tasks.id,
			leaseToken: tasks.leaseToken,
			volunteerId: tasks.leaseVolunteer,
			jobId: tasks.jobId,
			seq: tasks.seq,
			firstInput: tasks.firstInput,
			priority: tasks.priority,
			taskType: tasks.taskType,
			inputs: sql<number>`jsonb_array_length(${tasks.inputs})`.mapWith(Number),
			embedding: models.embedding,
			cost: models.cost,
			replication: jobs.replication,
			params: jobs.params,
			recheck: tasks.recheck,
			spotCheck: tasks.spotCheck,
			checkpoint: tasks.checkpoint,
			// The lease's result class (lease-variant.ts): the class it was granted and the variant chosen for it.
			backendClass: tasks.backendClass,
			modelId: models.id,
			modelFiles: models.files
		})
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.innerJoin(models, eq(models.id, tasks.modelId))
		.where(or(...claims.map(heldLease)));
	return claims.map(
		(c) => rows.find((r) => r.taskId === c.taskId && r.leaseToken === c.leaseToken && r.volunteerId === c.volunteerId) ?? null
	);
}

/**
 * The leases the claims hold: those `known` (kept from their claim, lease-book.ts) as they are, the rest
 * read in one query; null where a claim is not the holder's (a known one's fence is checked when it is settled).
 */
export async function leasesOf(db: Db, claims: LeaseClaim[], known: (CurrentLease | undefined)[]): Promise<(CurrentLease | null)[]> {
	const missing = claims.filter((_, i) => !known[i]);
	const read = await currentLeases(db, missing);
	let next = 0;
	return claims.map((_, i) => known[i] ?? read[next++]);
}
