import { and, asc, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { teams, volunteers } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';

const founder = alias(volunteers, 'founder');

/**
 * A team as anyone may see it: name, founding, founder (by display name only, and only one who chose
 * a name), its current members' count and all-time credit. Null when there is no such team.
 */
export async function teamRecord(db: Db, teamId: string) {
	const [t] = await db
		.select({
			id: teams.id,
			name: teams.name,
			createdAt: teams.createdAt,
			founderId: sql<string | null>`case when ${founder.displayName} is not null then ${founder.id} end`,
			founderName: founder.displayName
		})
		.from(teams)
		.leftJoin(founder, eq(founder.id, teams.creatorId))
		.where(eq(teams.id, teamId));
	if (!t) return null;
	const [totals] = await db
		.select({ members: sql<number>`count(*)::int`, credit: sql<number>`coalesce(sum(${volunteers.credit}), 0)::float8` })
		.from(volunteers)
		.where(eq(volunteers.teamId, teamId));
	return { ...t, members: Number(totals.members), credit: Number(totals.credit) };
}

/**
 * The members who chose a display name, by credit (then seniority), at most `limit`; members without
 * one are only counted, with their credit, in `others`: a team page never names someone who did not.
 */
export async function teamMembers(db: Db, teamId: string, limit: number) {
	const [named, [others]] = await Promise.all([
		db
			.select({ id: volunteers.id, name: volunteers.displayName, credit: volunteers.credit, joinedAt: volunteers.teamJoinedAt })
			.from(volunteers)
			.where(and(eq(volunteers.teamId, teamId), isNotNull(volunteers.displayName)))
			.orderBy(desc(volunteers.credit), asc(volunteers.teamJoinedAt), asc(volunteers.id))
			.limit(limit),
		db
			.select({ count: sql<number>`count(*)::int`, credit: sql<number>`coalesce(sum(${volunteers.credit}), 0)::float8` })
			.from(volunteers)
			.where(and(eq(volunteers.teamId, teamId), isNull(volunteers.displayName)))
	]);
	return {
		named: named.map((m) => ({ ...m, name: m.name! })),
		others: { count: Number(others.count), credit: Number(others.credit) }
	};
}

/**
 * Place among teams by their members' all-time credit, ties by name (the leaderboard's order); null
 * for a team without credit, which is not on it.
 */
export async function teamRank(db: Db, teamId: string): Promise<number | null> {
	const [row] = rowsOf<{ rank: number | null }>(
		await db.execute(sql`
			with totals as (
				select t.id, t.name, sum(v.credit) as credit from teams t join volunteers v on v.team_id = t.id group by t.id
			), me as (select * from totals where id = ${teamId} and credit > 0)
			select (select count(*) from totals, me where totals.credit > me.credit
				or (totals.credit = me.credit and totals.name < me.name))::int + 1 as rank
			from me`)
	);
	return row ? Number(row.rank) : null;
}
