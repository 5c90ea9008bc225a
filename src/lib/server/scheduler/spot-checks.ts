import { and, desc, eq, sql } from 'drizzle-orm';
import { acceptedResults, jobs, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { mayTakeReplica, type Claimant } from './claim-rules';
import { runnableHere, whoSql } from './find-claimable';
import { outputsAgree } from './compare-outputs';
import { queueRechecks } from './settle-checks';
import type { ClaimRequest } from './types';
import type { VolunteerTally } from './volunteer-tally';
import { creditChecks } from './credit-checks';
import { DEFAULT_LEASE_MAX_MS, firstExpiryMs, leaseDeadline } from './lease-deadline';

/** The most recent accepted chunks a known-answer check is drawn from: bounded, so the draw never scans every result. */
const DRAW_FROM = 200;

/**
 * A known-answer check, leased in place of one ordinary replica: a chunk of a running job already
 * accepted by at least two agreeing volunteers, which this volunteer may compute (claim-rules.ts),
 * leased to it like any other replica (same payload; the `spot_check` flag stays in the database).
 * Only running jobs are drawn from: a lease of a finished job would give itself away, a finished job's
 * status being public. Null when there is none to draw.
 */
export async function claimSpotCheck(tx: Db, req: ClaimRequest & Claimant) {
	// The most recent accepted chunks first, then the rules: filtering first walked every accepted result
	// of all time whenever few qualified (unreplicated jobs' chunks are never corroborated), which at 1,500
	// busy volunteers was the database's second largest cost (bench/dispatch busy, pg_stat_activity).
	const latest = tx
		.select({ jobId: acceptedResults.jobId, seq: acceptedResults.seq, taskId: acceptedResults.taskId })
		.from(acceptedResults)
		.orderBy(desc(acceptedResults.createdAt))
		.limit(DRAW_FROM)
		.as('latest');
	const corroborated = sql`(select count(*) from ${results} r where r.job_id = ${latest.jobId} and r.seq = ${latest.seq} and r.verdict = 'valid') >= 2`;
	const recent = await tx
		.select({ taskId: latest.taskId })
		.from(latest)
		.innerJoin(jobs, eq(jobs.id, latest.jobId))
		.innerJoin(tasks, eq(tasks.id, latest.taskId))
		.where(
			and(
				eq(jobs.status, 'running'),
				runnableHere(tx, whoSql(req)),
				// Only a class's own answers are known to it: results are compared within one backend class.
				eq(tasks.backendClass, req.backendClass),
				corroborated,
				mayTakeReplica(tx, { jobId: tasks.jobId, seq: tasks.seq }, whoSql(req))
			)
		);
	if (recent.length === 0) return null;
	const pick = recent[Math.floor((req.random ?? Math.random)() * recent.length)];
	// The same clock as any lease (lease-deadline.ts): without a deadline, renewals could hold a check for ever.
	const maxMs = req.leaseMaxMs ?? DEFAULT_LEASE_MAX_MS;
	const inserted = rowsOf<{ id: number | string }>(
		await tx.execute(sql`
		insert into ${tasks} (job_id, seq, replica, first_input, inputs, task_type, model_id, priority, state, spot_check,
			lease_token, lease_session, lease_volunteer, backend_class, network, lease_expires_at, deadline_at, progress_at, leased_at, attempts)
		select o.job_id, o.seq, (select max(r.replica) + 1 from ${tasks} r where r.job_id = o.job_id and r.seq = o.seq),
			o.first_input, o.inputs, o.task_type, o.model_id, o.priority, 'leased', true,
			gen_random_uuid(), ${req.sessionId}, ${req.volunteerId}, ${req.backendClass}, ${req.network ?? null},
			now() + ${firstExpiryMs(req.leaseMs, maxMs)} * interval '1 millisecond',
			${leaseDeadline(maxMs, sql`jsonb_array_length(o.inputs)`, sql`o.job_id`)}, now(), now(), 1
		from ${tasks} o where o.id = ${pick.taskId}
		returning id`)
	);
	return Number(inserted[0].id);
}

/**
 * A known-answer check's result (the caller holds the chunk's lock): compared with the accepted answer
 * within the job's tolerance. Agreeing, it counts as a valid result, credited as the work it was
 * (credit-checks.ts), its output never part of the job's result. Disagreeing, the volunteer is caught: invalid, its trust revoked, its unchecked results
 * re-checked (settle-checks.ts). The accepted answer never changes: two volunteers agreed on it. Returns how
 * many re-checks it queued: new work its caller announces.
 */
export async function settleSpotCheck(tx: Db, taskId: number, tolerance: number, tally: VolunteerTally): Promise<number> {
	const [row] = await tx
		.select({
			volunteerId: results.volunteerId,
			output: results.output,
			jobId: results.jobId,
			seq: results.seq,
			resultClass: results.backendClass
		})
		.from(results)
		.where(and(eq(results.taskId, taskId), eq(results.verdict, 'pending')));
	if (!row) return 0;
	const [known] = await tx
		.select({ output: results.output, resultClass: results.backendClass })
		.from(acceptedResults)
		.innerJoin(results, eq(results.taskId, acceptedResults.taskId))
		.where(and(eq(acceptedResults.jobId, row.jobId), eq(acceptedResults.seq, row.seq)));
	if (row.resultClass !== known.resultClass) {
		// Another class or variant (the chunk outwaited its class, claim-rules.ts): not comparable, so no verdict.
		await tx.update(results).set({ verdict: 'unchecked' }).where(eq(results.taskId, taskId));
		return 0;
	}
	const valid = outputsAgree(row.output, known.output, tolerance);
	await tx
		.update(results)
		.set({ verdict: valid ? 'valid' : 'invalid' })
		.where(eq(results.taskId, taskId));
	if (valid) {
		await creditChecks(tx, tally, [{ taskId, volunteerId: row.volunteerId }]);
		return 0;
	}
	tally.add(row.volunteerId, { invalid: 1 });
	return queueRechecks(tx, row.volunteerId);
}
