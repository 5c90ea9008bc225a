import { badges } from '$lib/recognition/milestones';
import { anonymous } from '$lib/components/format';
import { cardResponse, renderCard } from '$lib/server/cards/card-svg';
import { volunteerRecord } from '$lib/server/volunteers/credit-queries';
import { volunteerStanding } from '$lib/server/volunteers/standing';
import type { RequestHandler } from './$types';

/** GET /volunteers/{id}/card.svg: the volunteer's card (what the leaderboard shows of them: name, team, credit, rank, milestones). */
export const GET: RequestHandler = async ({ params, locals: { hub } }) => {
	const [v, standing] = await Promise.all([volunteerRecord(hub.db, params.id), volunteerStanding(hub.db, params.id)]);
	if (!v || !standing)
		return new Response('no such volunteer\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
	return cardResponse(
		renderCard({
			title: v.displayName ?? anonymous(v.id),
			subtitle: v.team ? `team ${v.team}` : 'ExoStack volunteer',
			credit: standing.achievements.credit,
			rank: standing.rank,
			badges: badges(standing.achievements)
		})
	);
};
