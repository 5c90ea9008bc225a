import { and, desc, eq, gt, sql } from 'drizzle-orm';
import { creditLedger, volunteers } from '../db/schema';
import type { Db } from '../db';

/** Volunteers ranked by credit granted since `since` (all time when absent), from the ledger. */
export async function creditRanking(db: Db, limit: number, since?: Date) {
	const credit = sql<number>`coalesce(sum(${creditLedger.amount}), 0)::float8`;
	return db
		.select({
			id: volunteers.id,
			displayName: volunteers.displayName,
			credit,
			results: sql<number>`count(${creditLedger.id})::int`
		})
		.from(volunteers)
		.innerJoin(creditLedger, and(eq(creditLedger.volunteerId, volunteers.id), since ? gt(creditLedger.createdAt, since) : undefined))
		.groupBy(volunteers.id)
		.orderBy(desc(credit))
		.limit(limit);
}

/** One volunteer's record: credit, validation history, work done. */
export async function volunteerRecord(db: Db, id: string) {
	const [v] = await db.select().from(volunteers).where(eq(volunteers.id, id));
	return v ?? null;
}
