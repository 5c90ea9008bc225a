import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { volunteerRecord } from '$lib/server/volunteers/credit-queries';
import { volunteerStanding } from '$lib/server/volunteers/standing';
import type { RequestHandler } from './$types';

/** GET /api/volunteers/{id}: one volunteer's credit and validation record, all-time rank and milestones' inputs. */
export const GET: RequestHandler = withApiErrors(async ({ params, locals: { hub } }) => {
	const [v, standing] = await Promise.all([volunteerRecord(hub.db, params.id), volunteerStanding(hub.db, params.id)]);
	if (!v || !standing) throw new ApiError(404, `no volunteer "${params.id}"`);
	return json({
		volunteer_id: v.id,
		display_name: v.displayName,
		team: v.team,
		team_id: v.teamId,
		rank: standing.rank,
		/** What milestones are earned from (src/lib/recognition/milestones.ts); the streak is in UTC days. */
		achievements: standing.achievements,
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
