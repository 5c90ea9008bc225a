import { error } from '@sveltejs/kit';
import { creditHistory, volunteerRecord } from '$lib/server/volunteers/credit-queries';
import { volunteerStanding } from '$lib/server/volunteers/standing';
import type { PageServerLoad } from './$types';

const HISTORY_DAYS = 30;

/** A volunteer's public page: the name and team they chose and their credit; nothing else about them. */
export const load: PageServerLoad = async ({ params, locals: { hub } }) => {
	const [v, standing] = await Promise.all([volunteerRecord(hub.db, params.id), volunteerStanding(hub.db, params.id)]);
	if (!v || !standing) error(404, 'no such volunteer');
	return {
		volunteer: {
			id: v.id,
			name: v.displayName,
			team: v.team,
			teamId: v.teamId,
			credit: v.credit,
			validResults: v.validResults,
			inputsDone: v.inputsDone,
			since: v.createdAt.getTime()
		},
		achievements: standing.achievements,
		history: await creditHistory(hub.db, v.id, HISTORY_DAYS)
	};
};
