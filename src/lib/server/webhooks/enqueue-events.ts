import { sql } from 'drizzle-orm';
import type { Db } from '../db';
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

/**
 * Queues one delivery per (finished job, live webhook of its owner subscribed to the event). Run it in the
 * transaction that wrote the jobs' final status (finishJobs): the event exists exactly when the status
 * does, so a crash can lose neither one alone, and the delivery worker then retries until a 2xx.
 * The payload is the Standard Webhooks shape, `{type, timestamp, data}`, fixed now so every retry is identical.
 */
export async function enqueueJobEvents(db: Db, finished: { id: string; status: JobStatus }[]): Promise<void> {
	const events = finished.map((j) => ({ id: j.id, event: EVENT_OF[j.status] })).filter((j) => j.event !== null);
	if (events.length === 0) return;
	await db.execute(sql`
		insert into webhook_deliveries (id, webhook_id, event, payload)
		select 'msg_' || replace(gen_random_uuid()::text, '-', ''), w.id, e.event,
			jsonb_build_object(
				'type', e.event,
				'timestamp', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
				'data', jsonb_build_object(
					'job_id', j.id, 'status', j.status, 'task_type', j.task_type, 'model', j.model_id,
					'inputs', j.total_inputs, 'error', j.error,
					'created_at', to_char(j.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
					'finished_at', to_char(j.finished_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
		from (values ${sql.join(
			events.map((e) => sql`(${e.id}::uuid, ${e.event}::text)`),
			sql`, `
		)}) as e(id, event)
		join jobs j on j.id = e.id
		join webhooks w on w.key_id is not distinct from j.owner_key_id
		left join api_keys k on k.id = w.key_id
		-- A revoked key's jobs run on, but its webhooks fall silent with it.
		where w.disabled_at is null and k.revoked_at is null and e.event = any(w.events)
	`);
}
