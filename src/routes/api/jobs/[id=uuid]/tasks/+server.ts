import { json } from '@sveltejs/kit';
import { ApiError, requireJobAccess, withApiErrors } from '$lib/server/http/api';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import { listJobTasks } from '$lib/server/scheduler/list-jobs';
import { listPublicTasks } from '$lib/server/scheduler/public-tasks';
import { adminTaskRowView, pendingTaskRowView, taskRowView } from '$lib/server/http/job-views';
import type { RequestHandler } from './$types';

/**
 * A job's tasks, one per replica of each chunk; its owner's key or the admin's only. Settled chunks show
 * state, attempts, who computed each replica and the validator's verdict; a chunk still in play shows its
 * replicas only as `pending` (public-tasks.ts: a volunteer must not learn whether its lease is checked,
 * and a submitter may volunteer too). The operator (the admin token) is no volunteer: it sees live work
 * as it is, lease sessions and solo grants included.
 */
export const GET: RequestHandler = withApiErrors(async ({ request, params: { id }, locals: { hub } }) => {
	const principal = await requireJobAccess(hub, request, id);
	const rows =
		principal.kind === 'admin'
			? (await listJobTasks(hub.db, id)).map(adminTaskRowView)
			: (await listPublicTasks(hub.db, id)).map((t) => (t.settled ? taskRowView(t) : pendingTaskRowView(t)));
	if (rows.length === 0 && !(await getJobStatus(hub.db, id, { withResult: false }))) throw new ApiError(404, `no job "${id}"`);
	return json(rows);
});
