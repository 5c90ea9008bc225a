import { json } from '@sveltejs/kit';
import { getHub } from '../runtime';
import { ApiError, readJson, withApiErrors } from './api';
import { ProfileUpdate, type ProfileView } from '../../protocol/profile';
import { CreditWindow } from '../../protocol/dashboard';
import { setProfile } from '../volunteers/profile';
import { loadLeaderboard } from '../volunteers/leaderboard';
import { creditHistory, volunteerRecord } from '../volunteers/credit-queries';

/**
 * POST /api/volunteers/profile: a volunteer chooses its display name and team. It proves who it is
 * with the identity the hub signed for it (no API token: volunteers have none).
 */
export const updateProfile = withApiErrors(async ({ request }) => {
	const hub = await getHub();
	const body = await readJson(request, ProfileUpdate, 4096);
	const volunteerId = hub.identities.verify(body.identity);
	if (!volunteerId) throw new ApiError(403, 'identity is not one this hub signed');
	const saved = await setProfile(hub.db, volunteerId, { displayName: body.display_name, team: body.team || null });
	if (!saved) throw new ApiError(404, 'this volunteer has not connected to this hub yet');
	const view: ProfileView = { volunteer_id: volunteerId, display_name: body.display_name, team: saved.team };
	return json(view);
});

/** GET /api/leaderboard?window=24h|7d|all: volunteers and teams ranked by validated credit. */
export const showLeaderboard = withApiErrors(async ({ url }) => {
	const hub = await getHub();
	const window = CreditWindow.safeParse(url.searchParams.get('window') ?? 'all');
	if (!window.success) throw new ApiError(400, 'window must be 24h, 7d or all');
	return json(await loadLeaderboard(hub.db, window.data));
});

/** GET /api/volunteers/{id}/history?days=: credit per day with the running total. */
export const showCreditHistory = withApiErrors(async ({ params, url }) => {
	const hub = await getHub();
	const days = Number(url.searchParams.get('days') ?? 30);
	if (!Number.isInteger(days) || days < 1 || days > 365) throw new ApiError(400, 'days must be a whole number from 1 to 365');
	if (!(await volunteerRecord(hub.db, params.id ?? ''))) throw new ApiError(404, `no volunteer "${params.id}"`);
	return json(await creditHistory(hub.db, params.id!, days));
});
