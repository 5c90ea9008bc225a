import { sql, type SQL } from 'drizzle-orm';
import type { JobStatus } from '../../protocol/jobs';
import type { WebhookEvent } from '../../protocol/webhooks';

/** The event a job's final status raises, if any: cancelling is the submitter's own act, not news to it. */
const EVENT_OF: Record<JobStatus, WebhookEvent | null> = {
	queued: null,
	running: null,
	completed: 'job.completed',
	failed: 'job.failed',
	cancelled: null
};

/** EVENT_OF as SQL over a status column: null where the status raises no event. */
function eventOf(status: SQL): SQL {
	const raising = Object.entries(EVENT_OF).filter(([, event]) => event !== null);
	return sql`(case ${status} ${sql.join(
		raising.map(([s, event]) => sql`when ${s} then ${event}::text`),
		sql` `
	)} end)`;
}

/**
 * The statement queueing one delivery per (finished job, live webhook of its owner subscribed to the
 * event), for the jobs `from` names: a relation with the jobs table's id, status, task_type, model_id,
 * total_inputs, error, created_at, finished_at and owner_key_id, as written (finish-job.ts's CTE). It belongs in the statement that writes
 * the jobs' final status (finish-job.ts): the event exists exactly when the status does, so a crash can
 * lose neither one alone, and the delivery worker then retries until a 2xx. The payload is the Standard
 * Webhooks shape, `{type, timestamp, data}`, fixed now so every retry is identical.
 */
export function jobEventsInsert(from: SQL): SQL {
	return sql`
		insert into webhook_deliveries (id, webhook_id, event, payload)
		select 'msg_' || replace(gen_random_uuid()::text, '-', ''), w.id, j.event,
			jsonb_build_object(
				'type', j.event,
				'timestamp', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
				'data', jsonb_build_object(
					'job_id', j.id, 'status', j.status, 'task_type', j.task_type, 'model', j.model_id,
					'inputs', j.total_inputs, 'error', j.error,
					'created_at', to_char(j.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
					'finished_at', to_char(j.finished_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
		from (select f.*, ${eventOf(sql`f.status`)} as event from ${from} f) j
		join webhooks w on w.key_id is not distinct from j.owner_key_id
		left join api_keys k on k.id = w.key_id
		-- A revoked key's jobs run on, but its webhooks fall silent with it.
		where j.event is not null and w.disabled_at is null and k.revoked_at is null and j.event = any(w.events)
	`;
}
