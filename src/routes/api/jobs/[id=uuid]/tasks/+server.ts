import { json } from '@sveltejs/kit';
import { ApiError, requireJobAccess, withApiErrors } from '$lib/server/http/api';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import { listJobTasks } from '$lib/server/scheduler/list-jobs';
import type { RequestHandler } from './$types';

/** A job's tasks, one per replica of each chunk: state, attempts, who computed it and the validator's verdict. Its owner's key or the admin's only. */
export const GET: RequestHandler = withApiErrors(async ({ request, params: { id }, locals: { hub } }) => {
	await requireJobAccess(hub, request, id);
	const rows = await listJobTasks(hub.db, id);
	if (rows.length === 0 && !(await getJobStatus(hub.db, id, { withResult: false }))) throw new ApiError(404, `no job "${id}"`);
	return json(
		rows.map((t) => ({
			seq: t.seq,
			replica: t.replica,
			state: t.state,
			solo: t.solo,
			first_input: t.firstInput,
			inputs: t.inputs.length,
			attempts: t.attempts,
			failures: t.failures,
			last_error: t.lastError,
			/** Inputs kept from a yielded lease (a checkpoint), not computed again. */
			checkpointed: t.checkpointed,
			lease_session: t.leaseSession,
			volunteer_id: t.volunteerId,
			backend: t.backend,
			result_class: t.resultClass,
			verdict: t.verdict,
			duration_ms: t.durationMs
		}))
	);
});
