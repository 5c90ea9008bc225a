import { json } from '@sveltejs/kit';
import { CreditWindow } from '$lib/protocol/dashboard';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { loadLeaderboard } from '$lib/server/volunteers/leaderboard';
import { leaderboardView } from '$lib/server/http/volunteer-views';
import type { RequestHandler } from './$types';

/** GET /api/leaderboard?window=24h|7d|all: volunteers and teams ranked by validated credit. */
export const GET: RequestHandler = withApiErrors(async ({ url, locals: { hub } }) => {
	const window = CreditWindow.safeParse(url.searchParams.get('window') ?? 'all');
	if (!window.success) throw new ApiError(400, 'window must be 24h, 7d or all');
	return json(leaderboardView(await loadLeaderboard(hub.db, window.data)));
});
