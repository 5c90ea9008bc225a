/**
 * Every hub process's backstop for batches: finalises those whose jobs have all ended (and so queues their
 * webhooks) even when nobody polls, and fails one whose creating request died before queueing all its
 * lines (its hub stopped), cancelling what it had queued, and stops one past its completion window (it is
 * finalised as `expired`). A failed round is logged and retried next tick.
 */
import { and, lt, sql } from 'drizzle-orm';
import type { Hub } from '../../hub';
import { batches } from '../../db/schema';
import { cancelBatchJobs } from './create-batch';
import { enqueueBatchEvent } from './batch-events';
import { finalizeBatch } from './finalize-batch';
import { COMPLETION_WINDOW_MS, EXPIRED } from './expiry';
import { stateIn } from '../../db/schema/states';

/** Longer than queueing the largest batch takes: a batch still `validating` after this lost its creator. */
const STALLED_MS = 10 * 60 * 1000;

export async function advanceBatches(hub: Hub): Promise<void> {
	const stalled = await hub.db.transaction(async (tx) => {
		const rows = await tx
			.update(batches)
			.set({ status: 'failed', error: 'the hub stopped while queueing this batch; create it again', finishedAt: sql`now()` })
			.where(and(stateIn(batches.status, ['validating']), lt(batches.createdAt, sql`now() - ${`${STALLED_MS} milliseconds`}::interval`)))
			.returning({ id: batches.id });
		for (const { id } of rows) await enqueueBatchEvent(tx, id, 'batch.failed');
		return rows;
	});
	for (const { id } of stalled) await cancelBatchJobs(hub, id);
	const expired = await hub.db
		.update(batches)
		.set({ status: 'cancelling', cancellingAt: sql`now()`, error: EXPIRED })
		.where(
			and(stateIn(batches.status, ['in_progress']), lt(batches.createdAt, sql`now() - ${`${COMPLETION_WINDOW_MS} milliseconds`}::interval`))
		)
		.returning({ id: batches.id });
	for (const { id } of expired) await cancelBatchJobs(hub, id);
	const open = await hub.db
		.select({ id: batches.id })
		.from(batches)
		.where(stateIn(batches.status, ['in_progress', 'cancelling']));
	for (const { id } of open) await finalizeBatch(hub, id);
}

export function startBatchWorker(hub: Hub) {
	let running = false;
	const tick = async () => {
		if (running) return;
		running = true;
		try {
			await advanceBatches(hub);
		} catch (err) {
			hub.observe.log.error({ err }, 'batch round failed, retrying next tick');
		} finally {
			running = false;
		}
	};
	const timer = setInterval(tick, hub.config.sweepMs);
	timer.unref();
	return { stop: () => clearInterval(timer), tick };
}
