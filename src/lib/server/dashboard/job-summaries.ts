import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { chunkFateOfGroup } from '../scheduler/chunk-fate';
import { PRIORITIES, type JobStatus, type PriorityName } from '../../protocol/jobs';
import type { JobSummary } from '../../protocol/dashboard';

const priorityName = Object.fromEntries(Object.entries(PRIORITIES).map(([k, v]) => [v, k])) as Record<number, PriorityName>;

/** Finished jobs stay on the dashboard this long, so a job that just ended is seen ending. */
const RECENT_MS = 10 * 60_000;

interface Row {
	id: string;
	status: JobStatus;
	model_id: string;
	priority: number;
	total_inputs: number;
	total_tasks: number;
	started_at: string | Date | null;
	finished_at: string | Date | null;
	done_inputs: number;
	done_chunks: number;
	dead_chunks: number;
}

/**
 * Unfinished jobs and those that ended in the last minutes, newest first, with their progress in one
 * statement: accepted inputs and chunks, and chunks given up on, by the job status's own definition
 * (chunk-fate.ts: a cancelled job's unfinished chunks are not counted as failed).
 */
export async function jobSummaries(db: Db, limit = 20): Promise<JobSummary[]> {
	const rows = rowsOf<Row>(
		await db.execute(sql`
			with shown as (
				select * from jobs
				where status in ('queued', 'running') or finished_at > now() - ${RECENT_MS} * interval '1 millisecond'
				order by created_at desc limit ${limit}
			), chunks as (
				select t.job_id, t.seq,
					max(jsonb_array_length(t.inputs)) as inputs,
					${chunkFateOfGroup(sql`t.state`, sql`a.seq is not null`, sql`bool_or(j.status = 'cancelled')`)} as fate
				from tasks t join shown j on j.id = t.job_id
				left join accepted_results a on a.job_id = t.job_id and a.seq = t.seq
				group by t.job_id, t.seq
			)
			select j.id, j.status, j.model_id, j.priority, j.total_inputs, j.total_tasks, j.started_at, j.finished_at,
				coalesce(sum(c.inputs) filter (where c.fate = 'done'), 0)::int as done_inputs,
				count(c.seq) filter (where c.fate = 'done')::int as done_chunks,
				count(c.seq) filter (where c.fate = 'dead')::int as dead_chunks
			from shown j left join chunks c on c.job_id = j.id
			group by j.id, j.status, j.model_id, j.priority, j.total_inputs, j.total_tasks, j.started_at, j.finished_at, j.created_at
			order by j.created_at desc`)
	);
	const now = Date.now();
	return rows.map((r) => {
		const startedAt = r.started_at ? new Date(r.started_at).getTime() : null;
		return {
			id: r.id,
			status: r.status,
			model: r.model_id,
			priority: priorityName[r.priority] ?? 'normal',
			done: r.done_inputs,
			total: r.total_inputs,
			tasksDone: r.done_chunks,
			tasksDead: r.dead_chunks,
			tasksTotal: r.total_tasks,
			startedAt,
			finishedAt: r.finished_at ? new Date(r.finished_at).getTime() : null,
			etaSeconds: eta(r, startedAt, now)
		};
	});
}

/** Remaining inputs at the job's average rate since it started: simple, and steady enough to read. */
function eta(r: Row, startedAt: number | null, now: number): number | null {
	if (r.status !== 'running' || !startedAt || r.done_inputs === 0) return null;
	const rate = r.done_inputs / Math.max(1, now - startedAt);
	return Math.round((r.total_inputs - r.done_inputs) / rate / 1000);
}
