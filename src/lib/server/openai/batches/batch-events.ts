import { sql } from 'drizzle-orm';
import type { Db } from '../../db';
import type { WebhookEvent } from '../../../protocol/webhooks';

/**
 * Queues `event` for every live webhook of the batch's owner subscribed to it. Run it in the transaction
 * that writes the batch's final status (finalize-batch.ts), as jobEventsInsert is for jobs: the event
 * exists exactly when the status does. The payload is fixed now, so every retry is identical.
 */
export async function enqueueBatchEvent(db: Db, batchId: string, event: WebhookEvent): Promise<void> {
	await db.execute(sql`
		insert into webhook_deliveries (id, webhook_id, event, payload)
		select 'msg_' || replace(gen_random_uuid()::text, '-', ''), w.id, ${event}::text,
			jsonb_build_object(
				'type', ${event}::text,
				'timestamp', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
				'data', jsonb_build_object(
					'batch_id', b.id, 'status', b.status, 'endpoint', b.endpoint,
					'input_file_id', b.input_file_id, 'output_file_id', b.output_file_id, 'error_file_id', b.error_file_id,
					'request_counts', jsonb_build_object(
						'total', b.completed_count + b.failed_count, 'completed', b.completed_count, 'failed', b.failed_count),
					'error', b.error,
					'created_at', to_char(b.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
					'finished_at', to_char(b.finished_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
		from batches b
		join webhooks w on w.key_id is not distinct from b.owner_key_id
		left join api_keys k on k.id = w.key_id
		-- A revoked key's webhooks fall silent with it.
		where b.id = ${batchId} and w.disabled_at is null and k.revoked_at is null and ${event}::text = any(w.events)
	`);
}
