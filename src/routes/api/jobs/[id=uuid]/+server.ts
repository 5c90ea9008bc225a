import { json } from '@sveltejs/kit';
import { ApiError, withApiErrors } from '$lib/server/http/api';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import type { RequestHandler } from './$types';

/** A job's status, progress and (once finished) results; also the seed's GET /tasks/{id}/status. */
export const GET: RequestHandler = withApiErrors(async ({ params, locals: { hub } }) => {
	const view = await getJobStatus(hub.db, params.id, { withResult: true, distinctNetworks: hub.config.trust.distinctNetworks });
	if (!view) throw new ApiError(404, `no job "${params.id}"`);
	return json(view);
});
