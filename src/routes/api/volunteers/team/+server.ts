import { json } from '@sveltejs/kit';
import { TeamMembershipUpdate, type TeamMembershipView } from '$lib/protocol/profile';
import { ApiError, readJson, withApiErrors } from '$lib/server/http/api';
import { moveToTeam } from '$lib/server/teams/membership';
import type { RequestHandler } from './$types';

/**
 * POST /api/volunteers/team: a volunteer joins a team by id (what a team's join link sends) or leaves
 * its team (`team_id: null`). Like the profile, it proves who it is with the identity the hub signed.
 */
export const POST: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	const body = await readJson(request, TeamMembershipUpdate, 1024);
	const volunteerId = hub.identities.verify(body.identity);
	if (!volunteerId) throw new ApiError(403, 'identity is not one this hub signed');
	const moved = await hub.db.transaction((tx) => moveToTeam(tx, volunteerId, body.team_id));
	if (!moved.ok)
		throw new ApiError(404, moved.missing === 'team' ? `no team "${body.team_id}"` : 'this volunteer has not connected to this hub yet');
	const view: TeamMembershipView = { volunteer_id: volunteerId, team_id: moved.team?.id ?? null, team: moved.team?.name ?? null };
	return json(view);
});
