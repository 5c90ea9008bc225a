import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import type { Completion } from './types';
import { endLeaseAssignments, heldLease } from './lease-transitions';
import { OPEN_STATES } from './chunk-fate';
import { placedRecords, recordsOf, type Records } from '../db/json-records';
import { builtOnce } from '../db/built-once';

export interface UnreplicatedResult extends Completion {
	inputs: number;
	/** Credit for accepting it: inputs × the model's credit per input. */
	amount: number;
}

export interface UnreplicatedOutcome {
	stored: boolean;
	accepted: boolean;
	cancelledLeases: number[];
}

/** The columns of the batch's rows as the statement reads them (one jsonb parameter, however many results). */
const inputColumns = sql.raw(`input(task_id bigint, lease_token uuid, volunteer_id text, output jsonb,
	backend text, backend_class text, duration_ms real, amount float8, inputs int)`);

const keyOf = (taskId: number | string, leaseToken: string, volunteerId: string) => `${taskId}:${leaseToken}:${volunteerId}`;

/** One result: acceptUnreplicatedGroup with a group of one. */
export async function acceptUnreplicated(db: Db, r: UnreplicatedResult): Promise<UnreplicatedOutcome> {
	return (await acceptUnreplicatedGroup(db, [r]))[0];
}

const fence = heldLease({ taskId: sql`input.task_id`, leaseToken: sql`input.lease_token`, volunteerId: sql`input.volunteer_id` });

/** acceptUnreplicatedGroup's statement, its text built once (built-once.ts): every hand-in group runs it. */
const acceptStatement = builtOnce<Records>(
	() =>
		sql`
		with input as ${placedRecords(inputColumns)}, done as (
			update tasks set state = 'done', ${endLeaseAssignments}, finished_at = now()
			from input where ${fence}
			returning tasks.id, tasks.job_id, tasks.seq, input.*
		), acc as (
			insert into accepted_results (job_id, seq, task_id) select job_id, seq, id from done
			on conflict do nothing returning task_id
		), res as (
			insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms, verdict)
			select id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms,
				case when id in (select task_id from acc) then 'valid' else 'unchecked' end
			from done returning task_id
		), open as (
			select t.id, t.state, t.job_id, t.seq from tasks t join done d on t.job_id = d.job_id and t.seq = d.seq
			where d.id in (select task_id from acc) and t.id not in (select id from done)
				and t.state in (${sql.join(
					OPEN_STATES.map((s) => sql`${s}`),
					sql`, `
				)})
			for update of t
		), cancelled as (
			update tasks set state = 'cancelled', ${endLeaseAssignments}, finished_at = now()
			from (select distinct id, state, job_id, seq from open) o where tasks.id = o.id
			returning tasks.id, o.state as was, o.job_id, o.seq
		), ledger as (
			insert into credit_ledger (volunteer_id, job_id, task_id, amount)
			select volunteer_id, job_id, id, amount from done where id in (select task_id from acc) returning id
		), vol as (
			update volunteers set
				tasks_done = tasks_done + per.n_tasks,
				inputs_done = inputs_done + per.n_inputs,
				credit = credit + per.n_credit,
				-- No consecutive_valid: trust is earned only by results compared with someone else's.
				valid_results = valid_results + per.n_valid
			from (
				select volunteer_id, count(*) as n_tasks, sum(inputs) as n_inputs,
					sum(case when id in (select task_id from acc) then amount else 0 end)::float8 as n_credit,
					count(*) filter (where id in (select task_id from acc)) as n_valid
				from done group by volunteer_id
			) per
			where volunteers.id = per.volunteer_id returning volunteers.id
		)
		-- res, ledger and vol run whether or not they are read: PostgreSQL always completes data-modifying CTEs.
		select d.id as task_id, d.lease_token, d.volunteer_id, d.id in (select task_id from acc) as accepted,
			(select array_agg(c.id) from cancelled c where c.job_id = d.job_id and c.seq = d.seq and c.was = 'leased') as cancelled
		from done d`
);

/**
 * The fast path for unreplicated chunks (replication 1: the first result is accepted, there is nothing
 * to compare), for a whole group of results in one statement of data-modifying CTEs, so one round trip
 * does what the general validator does in a dozen per result:
 *
 *   fence and mark the tasks done → store the results → accept each unless its chunk already was (a
 *   tail duplicate, perhaps in this very group: the accepted_results primary key decides) → cancel
 *   the accepted chunks' other open replicas → credit the ledger → update each volunteer's record once.
 *
 * One statement is one atomic snapshot. Fencing: the first UPDATE matches only current leases
 * (heldLease, lease-transitions.ts); a result that lost its lease changes nothing and comes back
 * `stored: false` while the others go on. A concurrent duplicate finishing the same chunk waits on the
 * primary key or on the row lock, and PostgreSQL aborts one of the two if they wait on each other; the
 * caller retries (locks.ts), and then finds its lease cancelled or its result second ("unchecked", no
 * credit). Outcomes come back in the order of `rs`.
 */
export async function acceptUnreplicatedGroup(db: Db, rs: UnreplicatedResult[]): Promise<UnreplicatedOutcome[]> {
	const rows = rs.map((r) => ({
		task_id: r.taskId,
		lease_token: r.leaseToken,
		volunteer_id: r.volunteerId,
		output: r.outputs,
		backend: r.backend,
		backend_class: r.resultClass,
		duration_ms: r.durationMs,
		amount: r.amount,
		inputs: r.inputs
	}));
	const out = rowsOf<{
		task_id: number | string;
		lease_token: string;
		volunteer_id: string;
		accepted: boolean;
		cancelled: (number | string)[] | null;
	}>(await acceptStatement(db, recordsOf(rows)));
	const stored = new Map(out.map((r) => [keyOf(r.task_id, r.lease_token, r.volunteer_id), r]));
	return rs.map((r) => {
		const key = keyOf(r.taskId, r.leaseToken, r.volunteerId);
		const row = stored.get(key);
		// A lease twice in one group (a replayed message) is stored once: the later copy is stale.
		stored.delete(key);
		return { stored: !!row, accepted: !!row?.accepted, cancelledLeases: (row?.cancelled ?? []).map(Number) };
	});
}
