/**
 * New identities are rationed per network (net/network-of.ts): each is free to make, so without a ration
 * one person mints a quorum. The count lives in the database (rate_windows) so every hub process behind
 * a load balancer draws on the same ration; a fixed one-hour window is enough for a ration this coarse.
 */
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rateWindows } from '../db/schema';

export const ISSUANCE_WINDOW_MS = 60 * 60 * 1000;

export type Drawn = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Takes one from `key`'s ration of `limit` per window, or says when the window ends. One upsert: the
 * increment only happens while under the limit, so concurrent callers (any process) never overshoot.
 */
export async function drawFromWindow(db: Db, key: string, limit: number, windowMs: number, now = Date.now()): Promise<Drawn> {
	const windowStart = new Date(Math.floor(now / windowMs) * windowMs);
	const counted = await db
		.insert(rateWindows)
		.values({ key, windowStart, count: 1 })
		.onConflictDoUpdate({
			target: [rateWindows.key, rateWindows.windowStart],
			set: { count: sql`${rateWindows.count} + 1` },
			setWhere: sql`${rateWindows.count} < ${limit}`
		})
		.returning({ count: rateWindows.count });
	// Past windows count for nothing: dropped here, on the (rare) issuance path, rather than by a sweeper.
	await db.delete(rateWindows).where(lt(rateWindows.windowStart, windowStart));
	return counted.length > 0 ? { ok: true } : { ok: false, retryAfterMs: windowStart.getTime() + windowMs - now };
}

/** One new identity for `network`, if its hourly ration (0: unlimited) allows. */
export function drawIdentity(db: Db, network: string, perHour: number): Promise<Drawn> {
	if (perHour === 0) return Promise.resolve({ ok: true });
	return drawFromWindow(db, `identity:${network}`, perHour, ISSUANCE_WINDOW_MS);
}
