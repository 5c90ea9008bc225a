import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { volunteerRecord } from '$lib/server/volunteers/credit-queries';
import type { RequestHandler } from './$types';

/** GET /api/volunteers/{id}: one volunteer's credit and validation record. */
export const GET: RequestHandler = withApiErrors(async ({ params, locals: { hub } }) => {
	const v = await volunteerRecord(hub.db, params.id);
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
