import type { Db } from '../db';
import type { Logger } from '../log';
import { nextAttemptAt } from './backoff';
import { claimDueDeliveries, markDelivered, markFailedTry } from './deliveries';
import { sendDelivery } from './send-delivery';
import type { UrlRules } from './url-guard';

/** How often each hub process looks for due deliveries: a cheap read of a partial index. */
export const POLL_MS = 1000;
/** Deliveries claimed and sent at once per process, so one slow receiver cannot hold up all the others. */
const BATCH = 16;

export interface DeliveryWorkerOptions {
	db: Db;
	rules: UrlRules;
	backoffMs: number;
	log: Logger;
}

/**
 * Sends due webhook deliveries from this process; every hub runs one (claims are SKIP LOCKED). Everything
 * it knows is in rows, so a restarted hub picks up where the last one stopped. A failed tick is logged, never fatal.
 */
export function startDeliveryWorker(o: DeliveryWorkerOptions) {
	let running: Promise<void> | null = null;
	const once = async () => {
		const claimed = await claimDueDeliveries(o.db, BATCH);
		await Promise.all(
			claimed.map(async (d) => {
				const outcome = await sendDelivery(d, o.rules);
				if (outcome.ok) return markDelivered(o.db, d.id);
				const retryAt = nextAttemptAt(d.createdAt, d.attempts, new Date(), o.backoffMs);
				if (!retryAt) o.log.warn({ delivery_id: d.id, attempts: d.attempts, error: outcome.error }, 'webhook delivery given up after 24 h');
				return markFailedTry(o.db, d.id, outcome.error, retryAt);
			})
		);
	};
	const tick = () => {
		running ??= once()
			.catch((err) => o.log.error({ err }, 'webhook deliveries failed, retrying next tick'))
			.finally(() => (running = null));
		return running;
	};
	const timer = setInterval(tick, POLL_MS);
	timer.unref();
	return {
		tick,
		stop: () => clearInterval(timer)
	};
}
