import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { tasks, volunteerSessions, volunteers } from '../db/schema';
import type { Db } from '../db';
import { REST_HUB } from '../volunteers/rest-nodes';
import { TRUST_AFTER } from './adaptive-replication';
import { isJobWork } from './job-work';
import { isOpen } from './chunk-fate';
import { stateIn } from '../db/schema/states';

const sibling = alias(tasks, 'sibling');

/**
 * Why a queued or running job is not moving, in words for its status and page; null while some of its
 * work is being computed or could be taken by a connected volunteer. Checked in order of how plainly
 * the operator can act on it: nobody can run the job at all, then the trust rules that hold its
 * replicas back (distinct networks, an established volunteer's confirmation).
 *
 * The answer is an estimate from connected sessions (their declared task types and readiness), not a
 * dry run of the claim: it is for people, and the claim stays the only judge of who gets what.
 */
export async function whyWaiting(
	db: Db,
	job: { id: string; taskType: string; modelId: string },
	opts: { distinctNetworks: boolean }
): Promise<string | null> {
	const [open] = await db
		.select({
			leased: sql<number>`count(*) filter (where ${tasks.state} = 'leased')`.mapWith(Number),
			queued: sql<number>`count(*) filter (where ${tasks.state} = 'queued')`.mapWith(Number),
			forEstablished: sql<number>`count(*) filter (where ${tasks.state} = 'queued' and ${tasks.needsEstablished})`.mapWith(Number)
		})
		.from(tasks)
		.where(and(eq(tasks.jobId, job.id), isOpen(tasks.state), isJobWork()));
	if (open.leased > 0 || open.queued === 0) return null;
	const ready = await readySessions(db, job.taskType);
	if (ready.length === 0) return `no connected volunteer can run model ${job.modelId}`;
	if (open.forEstablished > 0 && open.forEstablished === open.queued && !ready.some((s) => s.established))
		return 'waiting for an established volunteer to confirm newcomers’ results';
	if (opts.distinctNetworks && (await blockedByNetworks(db, job.id, new Set(ready.map((s) => s.network)))))
		return 'waiting for a second volunteer on another network';
	return null;
}

/** Connected sessions ready for work of this task type (capabilities as declared at hello). */
async function readySessions(db: Db, taskType: string) {
	return db
		.select({
			network: volunteerSessions.network,
			established: sql<boolean>`${volunteers.consecutiveValid} >= ${TRUST_AFTER}`
		})
		.from(volunteerSessions)
		.innerJoin(volunteers, eq(volunteers.id, volunteerSessions.volunteerId))
		.where(
			and(
				eq(volunteerSessions.readyForAi, true),
				ne(volunteerSessions.hubId, REST_HUB),
				sql`${volunteerSessions.capabilities} -> 'taskTypes' @> ${JSON.stringify([taskType])}::jsonb`
			)
		)
		.limit(1000);
}

/** Whether every queued replica of the job has a sibling leased or computed on each connected network (a fresh chunk has none). */
async function blockedByNetworks(db: Db, jobId: string, networks: Set<string>): Promise<boolean> {
	const rows = await db
		.select({ seq: tasks.seq, network: sibling.network })
		.from(tasks)
		.leftJoin(sibling, and(eq(sibling.jobId, tasks.jobId), eq(sibling.seq, tasks.seq), inArray(sibling.state, ['leased', 'done'])))
		.where(and(eq(tasks.jobId, jobId), stateIn(tasks.state, ['queued'])))
		.limit(10_000);
	const used = new Map<number, Set<string | null>>();
	for (const r of rows) used.set(r.seq, (used.get(r.seq) ?? new Set()).add(r.network));
	if (used.size === 0) return false;
	return [...used.values()].every((taken) => [...networks].every((n) => taken.has(n)));
}
