import { json } from '@sveltejs/kit';
import { ApiError, requireJobAccess, withApiErrors } from '$lib/server/http/api';
import { recordAudit } from '$lib/server/audit/audit-log';
import { cancelJob } from '$lib/server/scheduler/cancel-job';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import { jobCancelledView } from '$lib/server/http/job-views';
import type { RequestHandler } from './$types';

/** Cancels a queued or running job; its volunteers are told to stop. Its owner's key or the admin's only (audited when the admin's). */
export const POST: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		params: { id },
		locals: { hub }
	} = event;
	const principal = await requireJobAccess(hub, request, id);
	const outcome = await cancelJob(hub.db, id);
	if (!outcome) {
		const view = await getJobStatus(hub.db, id, { withResult: false });
		if (!view) throw new ApiError(404, `no job "${id}"`);
		throw new ApiError(409, `job ${id} is already ${view.status}`);
	}
	if (principal.kind === 'admin')
		await recordAudit(hub.db, { actor: 'admin', action: 'job.cancelled', target: id, clientAddress: event.getClientAddress() });
	hub.observe.jobCancelled(id, principal.kind === 'admin' ? 'admin' : principal.id);
	hub.notify.tasksCancelled(outcome.leasedTaskIds);
	hub.notify.jobChanged(id);
	return json(jobCancelledView(id));
});
