import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { creditLedger, teams, volunteers } from '../db/schema';
import type { Db } from '../db';

const credit = sql<number>`coalesce(sum(${creditLedger.amount}), 0)::float8`;
const inWindow = (since?: Date) => (since ? gt(creditLedger.createdAt, since) : undefined);

/** Volunteers ranked by credit granted since `since` (all time when absent), from the ledger; ties by id, so ranks are stable. */
export async function creditRanking(db: Db, limit: number, since?: Date) {
	return db
		.select({
			id: volunteers.id,
			displayName: volunteers.displayName,
			team: teams.name,
			teamId: teams.id,
			credit,
			results: sql<number>`count(${creditLedger.id})::int`
		})
		.from(volunteers)
		.innerJoin(creditLedger, and(eq(creditLedger.volunteerId, volunteers.id), inWindow(since)))
		.leftJoin(teams, eq(teams.id, volunteers.teamId))
		.groupBy(volunteers.id, teams.id)
		.orderBy(desc(credit), asc(volunteers.id))
		.limit(limit);
}

/** Teams ranked by their current members' credit in the window. */
export async function teamRanking(db: Db, limit: number, since?: Date) {
	return db
		.select({
			id: teams.id,
			name: teams.name,
			members: sql<number>`count(distinct ${volunteers.id})::int`,
			credit
		})
		.from(teams)
		.innerJoin(volunteers, eq(volunteers.teamId, teams.id))
		.innerJoin(creditLedger, and(eq(creditLedger.volunteerId, volunteers.id), inWindow(since)))
		.groupBy(teams.id)
		.orderBy(desc(credit), asc(teams.name))
		.limit(limit);
}

/**
 * Changes whenever credit is granted, cheaply (two index reads). The newest id alone would miss a
 * grant whose transaction took an id first but committed after a later one; such a row is still
 * recent, so the count of the last minute's rows catches it.
 */
export async function ledgerVersion(db: Db): Promise<string> {
	const [[newest], [recent]] = await Promise.all([
		db.select({ id: sql<number>`coalesce(max(${creditLedger.id}), 0)::float8` }).from(creditLedger),
		db
			.select({ n: sql<number>`count(*)::int` })
			.from(creditLedger)
			.where(gt(creditLedger.createdAt, sql`now() - interval '1 minute'`))
	]);
	return `${newest.id}:${recent.n}`;
}

/** Credit per UTC day over the last `days` days, oldest first, with the running total (all-time credit before the window included). */
export function creditHistory(db: Db, volunteerId: string, days: number): Promise<[number, number, number][]> {
	return historyOf(db, eq(creditLedger.volunteerId, volunteerId), days);
}

/** The same for a team: its current members' credit (what they earned before joining included, as the leaderboard counts it). */
export function teamCreditHistory(db: Db, teamId: string, days: number): Promise<[number, number, number][]> {
	const members = db.select({ id: volunteers.id }).from(volunteers).where(eq(volunteers.teamId, teamId));
	return historyOf(db, inArray(creditLedger.volunteerId, members), days);
}

async function historyOf(db: Db, whose: SQL, days: number): Promise<[number, number, number][]> {
	const since = new Date(
		Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - (days - 1) * 86_400_000
	);
	const day = sql<string>`date_trunc('day', ${creditLedger.createdAt} at time zone 'UTC')`;
	const [rows, [before]] = await Promise.all([
		db
			.select({ day: sql<string>`to_char(${day}, 'YYYY-MM-DD')`, credit })
			.from(creditLedger)
			.where(and(whose, gt(creditLedger.createdAt, since)))
			.groupBy(day)
			.orderBy(day),
		db
			.select({ credit })
			.from(creditLedger)
			.where(and(whose, sql`${creditLedger.createdAt} <= ${since.toISOString()}`))
	]);
	const byDay = new Map(rows.map((r) => [Date.parse(`${r.day}T00:00:00Z`), Number(r.credit)]));
	let total = Number(before.credit);
	return Array.from({ length: days }, (_, i) => {
		const t = since.getTime() + i * 86_400_000;
		const c = byDay.get(t) ?? 0;
		total += c;
		return [t, c, total];
	});
}

/** One volunteer's record: credit, validation history, work done, team. */
export async function volunteerRecord(db: Db, id: string) {
	const [v] = await db
		.select({ volunteer: volunteers, team: teams.name })
		.from(volunteers)
		.leftJoin(teams, eq(teams.id, volunteers.teamId))
		.where(eq(volunteers.id, id));
	return v ? { ...v.volunteer, team: v.team } : null;
}
