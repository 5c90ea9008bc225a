import { json } from '@sveltejs/kit';
import { CREDIT_WINDOW_MS, CreditWindow } from '$lib/protocol/dashboard';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { creditRanking } from '$lib/server/volunteers/credit-queries';
import { rankedVolunteerView } from '$lib/server/http/volunteer-views';
import type { RequestHandler } from './$types';

/** GET /api/volunteers?window=24h|7d|all&limit=: volunteers ranked by validated credit. */
export const GET: RequestHandler = withApiErrors(async ({ url, locals: { hub } }) => {
	// Parsed, not looked up with `in`: `window=constructor` is `in` every object (it was a 500).
	const window = CreditWindow.safeParse(url.searchParams.get('window') ?? 'all');
	if (!window.success) throw new ApiError(400, 'window must be 24h, 7d or all');
	const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 1000);
	const ms = CREDIT_WINDOW_MS[window.data];
	const rows = await creditRanking(hub.db, limit, ms === null ? undefined : new Date(Date.now() - ms));
	return json(rows.map(rankedVolunteerView));
});
