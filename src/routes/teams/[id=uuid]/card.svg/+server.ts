import { cardResponse, renderCard } from '$lib/server/cards/card-svg';
import { teamRank, teamRecord } from '$lib/server/teams/team-queries';
import type { RequestHandler } from './$types';

/** GET /teams/{id}/card.svg: the team's card: name, members, credit, rank. */
export const GET: RequestHandler = async ({ params, locals: { hub } }) => {
	const [team, rank] = await Promise.all([teamRecord(hub.db, params.id), teamRank(hub.db, params.id)]);
	if (!team) return new Response('no such team\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
	return cardResponse(
		renderCard({
			title: team.name,
			subtitle: `team of ${team.members} volunteer${team.members === 1 ? '' : 's'}`,
			credit: team.credit,
			rank,
			badges: []
		})
	);
};
