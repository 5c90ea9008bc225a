import { error } from '@sveltejs/kit';
import { teamRecord } from '$lib/server/teams/team-queries';
import type { PageServerLoad } from './$types';

/** A team's join link: which team it is; joining happens in the browser, with the identity kept there. */
export const load: PageServerLoad = async ({ params, locals: { hub } }) => {
	const team = await teamRecord(hub.db, params.id);
	if (!team) error(404, 'no such team');
	return { team: { id: team.id, name: team.name, members: team.members } };
};
