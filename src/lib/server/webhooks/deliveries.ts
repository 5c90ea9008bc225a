import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { webhookDeliveries, webhooks } from '../db/schema';

/** How long a claimed delivery is this process's: longer than a send can take, so no other hub sends it meanwhile. */
export const CLAIM_LEASE_MS = 60_000;

export interface ClaimedDelivery {
	id: string;
	url: string;
	secret: string;
	payload: Record<string, unknown>;
	attempts: number;
	createdAt: Date;
}

/**
 * Claims up to `limit` due deliveries for this process. FOR UPDATE SKIP LOCKED lets several hubs sharing
 * a PostgreSQL claim at once without waiting on or taking each other's rows; the claim itself is a lease
 * (next_attempt_at pushed CLAIM_LEASE_MS ahead, attempts counted), committed before the POST, so a hub that
 * dies mid-send leaves the row to be claimed again when the lease runs out: at least once, never lost.
 * A delivery whose webhook was deleted is given up on here instead of sent.
 */
export async function claimDueDeliveries(db: Db, limit: number): Promise<ClaimedDelivery[]> {
	return db.transaction(async (tx) => {
		const due = await tx
			.select({ id: webhookDeliveries.id, disabled: webhooks.disabledAt })
			.from(webhookDeliveries)
			.innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
			.where(
				and(isNull(webhookDeliveries.deliveredAt), isNull(webhookDeliveries.failedAt), lte(webhookDeliveries.nextAttemptAt, sql`now()`))
			)
			.orderBy(webhookDeliveries.nextAttemptAt)
			.limit(limit)
			.for('update', { of: webhookDeliveries, skipLocked: true });
		const claimed: ClaimedDelivery[] = [];
		for (const row of due) {
			if (row.disabled) {
				await tx
					.update(webhookDeliveries)
					.set({ failedAt: sql`now()`, lastError: 'the webhook was deleted' })
					.where(eq(webhookDeliveries.id, row.id));
				continue;
			}
			const [c] = await tx
				.update(webhookDeliveries)
				.set({
					attempts: sql`${webhookDeliveries.attempts} + 1`,
					nextAttemptAt: sql`now() + ${`${CLAIM_LEASE_MS} milliseconds`}::interval`
				})
				.from(webhooks)
				.where(and(eq(webhookDeliveries.id, row.id), eq(webhooks.id, webhookDeliveries.webhookId)))
				.returning({
					id: webhookDeliveries.id,
					url: webhooks.url,
					secret: webhooks.secret,
					payload: webhookDeliveries.payload,
					attempts: webhookDeliveries.attempts,
					createdAt: webhookDeliveries.createdAt
				});
			claimed.push(c);
		}
		return claimed;
	});
}

/** A 2xx: done for good. */
export async function markDelivered(db: Db, id: string): Promise<void> {
	await db
		.update(webhookDeliveries)
		.set({ deliveredAt: sql`now()`, lastError: null })
		.where(eq(webhookDeliveries.id, id));
}

/** A failed try: again at `retryAt`, or given up on (failed_at) when that is null. */
export async function markFailedTry(db: Db, id: string, error: string, retryAt: Date | null): Promise<void> {
	const lastError = error.slice(0, 500);
	await db
		.update(webhookDeliveries)
		.set(retryAt ? { nextAttemptAt: retryAt, lastError } : { failedAt: sql`now()`, lastError })
		.where(eq(webhookDeliveries.id, id));
}
