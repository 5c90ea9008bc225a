import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { volunteerRecord } from '$lib/server/volunteers/credit-queries';
import { volunteerStanding } from '$lib/server/volunteers/standing';
import { volunteerRecordView } from '$lib/server/http/volunteer-views';
import type { RequestHandler } from './$types';

/** GET /api/volunteers/{id}: one volunteer's credit and validation record, all-time rank and milestones' inputs. */
export const GET: RequestHandler = withApiErrors(async ({ params, locals: { hub } }) => {
	const [v, standing] = await Promise.all([volunteerRecord(hub.db, params.id), volunteerStanding(hub.db, params.id)]);
	if (!v || !standing) throw new ApiError(404, `no volunteer "${params.id}"`);
	return json(volunteerRecordView(v, standing));
});
