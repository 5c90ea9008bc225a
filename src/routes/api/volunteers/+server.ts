import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { creditRanking } from '$lib/server/volunteers/credit-queries';
import type { RequestHandler } from './$types';

const WINDOWS: Record<string, number | null> = { '24h': 86_400_000, '7d': 7 * 86_400_000, all: null };

/** GET /api/volunteers?window=24h|7d|all&limit=: volunteers ranked by validated credit. */
export const GET: RequestHandler = withApiErrors(async ({ url, locals: { hub } }) => {
	const window = url.searchParams.get('window') ?? 'all';
	if (!(window in WINDOWS)) throw new ApiError(400, 'window must be 24h, 7d or all');
	const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 1000);
	const ms = WINDOWS[window];
	const rows = await creditRanking(hub.db, limit, ms === null ? undefined : new Date(Date.now() - ms));
	return json(
		rows.map((r, i) => ({
			rank: i + 1,
			volunteer_id: r.id,
			display_name: r.displayName,
			team: r.team,
			credit: r.credit,
			results: r.results
		}))
	);
});
