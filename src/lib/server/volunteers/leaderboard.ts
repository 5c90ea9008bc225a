import type { Db } from '../db';
import { CREDIT_WINDOW_MS, type CreditWindow, type Leaderboard } from '../../protocol/dashboard';
import { creditRanking, ledgerVersion, teamRanking } from './credit-queries';
import { achievementsOf } from './standing';

export const LEADERBOARD_SIZE = 100;

/** The leaderboard for one window: volunteers and teams ranked by validated credit, shown by display name only. */
export async function loadLeaderboard(db: Db, window: CreditWindow, limit = LEADERBOARD_SIZE): Promise<Leaderboard> {
	const ms = CREDIT_WINDOW_MS[window];
	const since = ms === null ? undefined : new Date(Date.now() - ms);
	// The version is read first: credit granted while the rankings are read shows up in the next push, not never.
	const version = await ledgerVersion(db);
	const [people, groups] = await Promise.all([creditRanking(db, limit, since), teamRanking(db, limit, since)]);
	const achievements = await achievementsOf(
		db,
		people.map((r) => r.id)
	);
	const none = { credit: 0, results: 0, streak: 0 };
	return {
		window,
		version,
		volunteers: people.map((r, i) => ({
			rank: i + 1,
			id: r.id,
			name: r.displayName,
			team: r.team,
			teamId: r.teamId,
			credit: r.credit,
			results: r.results,
			achievements: achievements.get(r.id) ?? none
		})),
		teams: groups.map((t, i) => ({ rank: i + 1, id: t.id, name: t.name, members: t.members, credit: t.credit }))
	};
}
