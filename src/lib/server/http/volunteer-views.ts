/** The volunteers' answers, typed by the contract (protocol/rest/volunteers.ts). */
import type { z } from 'zod';
import type { Leaderboard } from '../../protocol/dashboard';
import type { LeaderboardView, RankedVolunteerRow, VolunteerRecordView } from '../../protocol/rest/volunteers';
import type { creditRanking, volunteerRecord } from '../volunteers/credit-queries';
import type { volunteerStanding } from '../volunteers/standing';

export const rankedVolunteerView = (r: Awaited<ReturnType<typeof creditRanking>>[number], i: number): RankedVolunteerRow => ({
	rank: i + 1,
	volunteer_id: r.id,
	display_name: r.displayName,
	team: r.team,
	credit: r.credit,
	results: r.results
});

export function volunteerRecordView(
	v: NonNullable<Awaited<ReturnType<typeof volunteerRecord>>>,
	standing: NonNullable<Awaited<ReturnType<typeof volunteerStanding>>>
): VolunteerRecordView {
	return {
		volunteer_id: v.id,
		display_name: v.displayName,
		team: v.team,
		team_id: v.teamId,
		rank: standing.rank,
		achievements: standing.achievements,
		credit: v.credit,
		tasks_done: v.tasksDone,
		inputs_done: v.inputsDone,
		valid_results: v.validResults,
		invalid_results: v.invalidResults,
		consecutive_valid: v.consecutiveValid,
		created_at: v.createdAt.toISOString(),
		last_seen_at: v.lastSeenAt.toISOString()
	};
}

/** The socket's leaderboard is the REST one: this only pins that it fits the contract. */
export const leaderboardView = (l: Leaderboard): z.infer<typeof LeaderboardView> => l;
