import { error } from '@sveltejs/kit';
import { teamCreditHistory } from '$lib/server/volunteers/credit-queries';
import { teamMembers, teamRank, teamRecord } from '$lib/server/teams/team-queries';
import type { PageServerLoad } from './$types';

const HISTORY_DAYS = 30;
const MEMBERS_SHOWN = 200;

/** A team's page: members who chose a name, the team's credit over time, its rank and join link. */
export const load: PageServerLoad = async ({ params, locals: { hub } }) => {
	const team = await teamRecord(hub.db, params.id);
	if (!team) error(404, 'no such team');
	const [members, rank, history] = await Promise.all([
		teamMembers(hub.db, team.id, MEMBERS_SHOWN),
		teamRank(hub.db, team.id),
		teamCreditHistory(hub.db, team.id, HISTORY_DAYS)
	]);
	return {
		team: {
			id: team.id,
			name: team.name,
			since: team.createdAt.getTime(),
			founder: team.founderId ? { id: team.founderId, name: team.founderName! } : null,
			members: team.members,
			credit: team.credit,
			rank
		},
		members: {
			named: members.named.map((m) => ({ id: m.id, name: m.name, credit: m.credit, joinedAt: m.joinedAt?.getTime() ?? null })),
			others: members.others
		},
		history
	};
};
