import { json } from '@sveltejs/kit';
import { ApiError, requireToken, withApiErrors } from '$lib/server/http/api';
import { cancelJob } from '$lib/server/scheduler/cancel-job';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import type { RequestHandler } from './$types';

/** Cancels a queued or running job; its volunteers are told to stop. Needs the API token. */
export const POST: RequestHandler = withApiErrors(async ({ request, params: { id }, locals: { hub } }) => {
	requireToken(hub, request);
	const outcome = await cancelJob(hub.db, id);
	if (!outcome) {
		const view = await getJobStatus(hub.db, id, { withResult: false });
		if (!view) throw new ApiError(404, `no job "${id}"`);
		throw new ApiError(409, `job ${id} is already ${view.status}`);
	}
	hub.notify.tasksCancelled(outcome.leasedTaskIds);
	hub.notify.jobChanged(id);
	return json({ task_id: id, status: 'cancelled' });
});
