import { asc, desc, eq, gt, gte, isNotNull, sql } from 'drizzle-orm';
import { creditLedger, teams, volunteers } from '../db/schema';
import type { Db } from '../db';
import { utcDayStart } from '../volunteers/streaks';

/** BOINC's "recent average credit" is a decayed average; ours is plainer: credit granted in the last seven days. */
const RECENT_MS = 7 * 86_400_000;
/** The project's credit per UTC day goes back this far (a range of the ledger's time index, read once a day). */
export const CREDIT_DAYS = 90;

const dateOnly = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The open statistics' rows. Only volunteers who chose a display name appear, by that name; the rest
 * are only counted (in `totals`). Never presence (last seen), hardware, sessions or addresses: a
 * volunteer row is what the leaderboard shows of it, plus the day it first connected.
 */
export async function exportRows(db: Db, now = Date.now()) {
	const recentSince = new Date(now - RECENT_MS);
	const recent = db
		.select({ volunteerId: creditLedger.volunteerId, credit: sql<number>`sum(${creditLedger.amount})`.as('recent_credit') })
		.from(creditLedger)
		.where(gt(creditLedger.createdAt, recentSince))
		.groupBy(creditLedger.volunteerId)
		.as('recent');
	const day = sql`date_trunc('day', ${creditLedger.createdAt} at time zone 'UTC')`;
	const daysSince = new Date(utcDayStart(now).getTime() - (CREDIT_DAYS - 1) * 86_400_000);
	const [users, teamRows, [totals], days] = await Promise.all([
		db
			.select({
				id: volunteers.id,
				name: volunteers.displayName,
				teamId: volunteers.teamId,
				credit: volunteers.credit,
				recent: sql<number>`coalesce(${recent.credit}, 0)::float8`,
				results: volunteers.validResults,
				since: volunteers.createdAt
			})
			.from(volunteers)
			.leftJoin(recent, eq(recent.volunteerId, volunteers.id))
			.where(isNotNull(volunteers.displayName))
			.orderBy(desc(volunteers.credit), asc(volunteers.id)),
		db
			.select({
				id: teams.id,
				name: teams.name,
				founded: teams.createdAt,
				members: sql<number>`count(${volunteers.id})::int`,
				credit: sql<number>`coalesce(sum(${volunteers.credit}), 0)::float8`,
				recent: sql<number>`coalesce(sum(${recent.credit}), 0)::float8`
			})
			.from(teams)
			.leftJoin(volunteers, eq(volunteers.teamId, teams.id))
			.leftJoin(recent, eq(recent.volunteerId, volunteers.id))
			.groupBy(teams.id)
			.orderBy(desc(sql`coalesce(sum(${volunteers.credit}), 0)`), asc(teams.name)),
		db
			.select({
				volunteers: sql<number>`count(*)::int`,
				named: sql<number>`count(${volunteers.displayName})::int`,
				credit: sql<number>`coalesce(sum(${volunteers.credit}), 0)::float8`,
				namedCredit: sql<number>`coalesce(sum(${volunteers.credit}) filter (where ${volunteers.displayName} is not null), 0)::float8`
			})
			.from(volunteers),
		// Every volunteer's credit counts here, named or not: a day's total names no one.
		db
			.select({
				day: sql<string>`to_char(${day}, 'YYYY-MM-DD')`,
				credit: sql<number>`sum(${creditLedger.amount})::float8`,
				results: sql<number>`count(*)::int`,
				volunteers: sql<number>`count(distinct ${creditLedger.volunteerId})::int`
			})
			.from(creditLedger)
			.where(gte(creditLedger.createdAt, daysSince))
			.groupBy(day)
			.orderBy(day)
	]);
	return {
		users: users.map((u) => ({
			volunteer_id: u.id,
			name: u.name!,
			team_id: u.teamId,
			credit: u.credit,
			credit_last_7_days: Number(u.recent),
			results: u.results,
			since: dateOnly(u.since)
		})),
		teams: teamRows.map((t) => ({
			team_id: t.id,
			name: t.name,
			founded: dateOnly(t.founded),
			members: Number(t.members),
			credit: Number(t.credit),
			credit_last_7_days: Number(t.recent)
		})),
		days: days.map((d) => ({ day: d.day, credit: Number(d.credit), results: Number(d.results), volunteers: Number(d.volunteers) })),
		totals: {
			volunteers: Number(totals.volunteers),
			public_volunteers: Number(totals.named),
			credit: Number(totals.credit),
			credit_of_volunteers_without_a_public_name: Number(totals.credit) - Number(totals.namedCredit),
			teams: teamRows.length
		}
	};
}

export type ExportRows = Awaited<ReturnType<typeof exportRows>>;
