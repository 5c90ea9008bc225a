import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import type { Completion } from './types';
import { endLeaseAssignments, heldLease } from './lease-transitions';

export interface UnreplicatedResult extends Completion {
	inputs: number;
	/** Credit for accepting it: inputs × the model's credit per input. */
	amount: number;
}

/**
 * The fast path for an unreplicated chunk (replication 1: its first result is accepted, there is
 * nothing to compare), as one statement of data-modifying CTEs, so one round trip does what the
 * general validator does in a dozen:
 *
 *   fence and mark the task done → store the result → accept it unless a tail duplicate already was
 *   (the accepted_results primary key decides) → cancel the chunk's other open replicas → credit the
 *   ledger → update the volunteer's record.
 *
 * One statement is one atomic snapshot. Fencing: the first UPDATE matches only the current lease
 * (heldLease, lease-transitions.ts); a result that lost it changes nothing. A concurrent duplicate finishing
 * the same chunk waits on the primary key or on the row lock, and PostgreSQL aborts one of the two if
 * they wait on each other; the caller retries (locks.ts), and then finds its lease cancelled or its
 * result second ("unchecked", no credit).
 */
export async function acceptUnreplicated(db: Db, r: UnreplicatedResult) {
	const rows = rowsOf<{ stored: number; accepted: number; cancelled: number[] | null }>(
		await db.execute(sql`
			with done as (
				update tasks set state = 'done', ${endLeaseAssignments}, finished_at = now()
				where ${heldLease(r)}
				returning id, job_id, seq
			), acc as (
				insert into accepted_results (job_id, seq, task_id) select job_id, seq, id from done
				on conflict do nothing returning task_id
			), res as (
				insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms, verdict)
				select id, job_id, seq, ${r.volunteerId}, ${JSON.stringify(r.outputs)}::jsonb, ${r.backend}, ${r.resultClass},
					${r.durationMs}, case when exists (select 1 from acc) then 'valid' else 'unchecked' end
				from done returning task_id
			), open as (
				select t.id, t.state from tasks t join done d on t.job_id = d.job_id and t.seq = d.seq
				where t.id <> d.id and t.state in ('queued', 'leased') and exists (select 1 from acc)
				for update of t
			), cancelled as (
				update tasks set state = 'cancelled', ${endLeaseAssignments}, finished_at = now()
				from open where tasks.id = open.id returning tasks.id, open.state as was
			), ledger as (
				insert into credit_ledger (volunteer_id, job_id, task_id, amount)
				select ${r.volunteerId}, job_id, id, ${r.amount} from done where exists (select 1 from acc) returning id
			), vol as (
				update volunteers set
					tasks_done = tasks_done + 1,
					inputs_done = inputs_done + ${r.inputs},
					credit = credit + case when exists (select 1 from acc) then ${r.amount}::float8 else 0 end,
					-- No consecutive_valid: trust is earned only by results compared with someone else's.
					valid_results = valid_results + (select count(*) from acc)
				where id = ${r.volunteerId} and exists (select 1 from done) returning id
			)
			-- res, ledger and vol run whether or not they are read: PostgreSQL always completes data-modifying CTEs.
			select (select count(*) from done)::int as stored, (select count(*) from acc)::int as accepted,
				(select array_agg(id) from cancelled where was = 'leased') as cancelled`)
	);
	const [row] = rows;
	return { stored: row.stored === 1, accepted: row.accepted === 1, cancelledLeases: (row.cancelled ?? []).map(Number) };
}
