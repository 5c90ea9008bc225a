import { and, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import { volunteers } from '../db/schema';
import type { Db } from '../db';
import type { Achievements } from '../../recognition/milestones';
import { currentStreaks, recentStreaks } from './streaks';

/**
 * Place on the all-time leaderboard: volunteers with more credit, or as much and a smaller id (the
 * leaderboard's tie order), come first. Null for a volunteer with no credit, who is not on it.
 */
export async function allTimeRank(db: Db, id: string, credit: number): Promise<number | null> {
	if (credit <= 0) return null;
	const [ahead] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(volunteers)
		.where(or(gt(volunteers.credit, credit), and(eq(volunteers.credit, credit), lt(volunteers.id, id))));
	return Number(ahead.n) + 1;
}

/** One volunteer's all-time credit, accepted results, current streak and rank; null when there is no such volunteer. */
export async function volunteerStanding(db: Db, id: string, now = Date.now()) {
	const [v] = await db
		.select({ credit: volunteers.credit, results: volunteers.validResults })
		.from(volunteers)
		.where(eq(volunteers.id, id));
	if (!v) return null;
	const [rank, streaks] = await Promise.all([allTimeRank(db, id, v.credit), currentStreaks(db, [id], now)]);
	const achievements: Achievements = { credit: v.credit, results: v.results, streak: streaks.get(id) ?? 0 };
	return { achievements, rank };
}

/**
 * What milestones are earned from, for many volunteers at once (the leaderboard's rows): all-time
 * credit and results whatever window the board shows, and streaks remembered for a minute.
 */
export async function achievementsOf(db: Db, ids: string[]): Promise<Map<string, Achievements>> {
	if (ids.length === 0) return new Map();
	const [rows, streaks] = await Promise.all([
		db
			.select({ id: volunteers.id, credit: volunteers.credit, results: volunteers.validResults })
			.from(volunteers)
			.where(inArray(volunteers.id, ids)),
		recentStreaks(db, ids)
	]);
	return new Map(rows.map((r) => [r.id, { credit: r.credit, results: r.results, streak: streaks.get(r.id) ?? 0 }]));
}
