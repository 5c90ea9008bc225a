import { and, eq } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { listJobTasks } from './list-jobs';
import { chunkSettled } from './chunk-fate';

type TaskRow = Awaited<ReturnType<typeof listJobTasks>>[number];

/** What anyone may see of one replica: all of it once its chunk is settled, only its place while it is live. */
export type PublicTaskRow =
	| (Omit<TaskRow, 'solo' | 'leaseSession'> & { settled: true })
	| { settled: false; seq: number; replica: number; state: 'pending'; firstInput: number; inputs: string[] };

/**
 * A job's replicas as the public tasks API and the job page show them. A chunk still being computed
 * shows each replica only as `pending`: who holds it, whether a sibling is leased, computed, queued
 * behind a solo lease or spawned after a disagreement, and any verdict would tell a volunteer whether
 * its own lease is checked, and a liar lies only when it is not. Every live chunk has the same rows
 * whether it is checked or not (a solo chunk keeps its queued siblings), so the listing tells nothing.
 * Settled chunks (accepted, or given up on) are shown in full; adaptive replication's `solo` never is.
 */
export async function listPublicTasks(db: Db, jobId: string): Promise<PublicTaskRow[]> {
	const [rows, settled] = await Promise.all([listJobTasks(db, jobId), settledChunks(db, jobId)]);
	return rows.map(({ solo: _solo, leaseSession: _session, ...t }) =>
		settled.has(t.seq)
			? { ...t, settled: true as const }
			: { settled: false as const, seq: t.seq, replica: t.replica, state: 'pending' as const, firstInput: t.firstInput, inputs: t.inputs }
	);
}

/** Chunks accepted, or dead (chunk-fate.ts): their replicas' story is over. */
async function settledChunks(db: Db, jobId: string): Promise<Set<number>> {
	const rows = await db
		.selectDistinct({ seq: tasks.seq })
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), chunkSettled(db, tasks)));
	return new Set(rows.map((r) => r.seq));
}
