import { json } from '@sveltejs/kit';
import { ProfileUpdate } from '$lib/protocol/profile';
import type { ProfileView } from '$lib/protocol/rest/volunteers';
import { ApiError, readJson, withApiErrors } from '$lib/server/http/api';
import { setProfile } from '$lib/server/volunteers/profile';
import type { RequestHandler } from './$types';

/**
 * POST /api/volunteers/profile: a volunteer chooses its display name and team. It proves who it is
 * with the identity the hub signed for it (no API token: volunteers have none).
 */
export const POST: RequestHandler = withApiErrors(async ({ request, locals: { hub } }) => {
	const body = await readJson(request, ProfileUpdate, 4096);
	const volunteerId = hub.identities.verify(body.identity);
	if (!volunteerId) throw new ApiError(403, 'identity is not one this hub signed');
	const saved = await setProfile(hub.db, volunteerId, { displayName: body.display_name, team: body.team || null });
	if (!saved) throw new ApiError(404, 'this volunteer has not connected to this hub yet');
	const view: ProfileView = { volunteer_id: volunteerId, display_name: body.display_name, team: saved.team, team_id: saved.teamId };
	return json(view);
});
