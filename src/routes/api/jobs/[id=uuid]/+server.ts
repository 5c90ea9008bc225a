import { json } from '@sveltejs/kit';
import { ApiError, requireJobAccess, withApiErrors } from '$lib/server/http/api';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import type { RequestHandler } from './$types';

/** A job's status, progress and (once finished) results; also the seed's GET /tasks/{id}/status. Its owner's key or the admin's only. */
export const GET: RequestHandler = withApiErrors(async ({ request, params, locals: { hub } }) => {
	await requireJobAccess(hub, request, params.id);
	const view = await getJobStatus(hub.db, params.id, { withResult: true, distinctNetworks: hub.config.policy.distinctNetworks });
	if (!view) throw new ApiError(404, `no job "${params.id}"`);
	return json(view);
});
