import { json } from '@sveltejs/kit';
import { getHub } from '../runtime';
import { ApiError, withApiErrors } from './api';
import { creditRanking, volunteerRecord } from '../volunteers/credit-queries';

const WINDOWS: Record<string, number | null> = { '24h': 86_400_000, '7d': 7 * 86_400_000, all: null };

/** GET /api/volunteers?window=24h|7d|all&limit=: volunteers ranked by validated credit. */
export const rankVolunteers = withApiErrors(async ({ url }) => {
	const hub = await getHub();
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

/** GET /api/volunteers/{id}: one volunteer's credit and validation record. */
export const showVolunteer = withApiErrors(async ({ params }) => {
	const hub = await getHub();
	const v = await volunteerRecord(hub.db, params.id ?? '');
	if (!v) throw new ApiError(404, `no volunteer "${params.id}"`);
	return json({
		volunteer_id: v.id,
		display_name: v.displayName,
		team: v.team,
		credit: v.credit,
		tasks_done: v.tasksDone,
		inputs_done: v.inputsDone,
		valid_results: v.validResults,
		invalid_results: v.invalidResults,
		consecutive_valid: v.consecutiveValid,
		created_at: v.createdAt.toISOString(),
		last_seen_at: v.lastSeenAt.toISOString()
	});
});
