import { json } from '@sveltejs/kit';
import { ApiError, requireJobAccess, withApiErrors } from '$lib/server/http/api';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import { listJobTasks } from '$lib/server/scheduler/list-jobs';
import { listPublicTasks } from '$lib/server/scheduler/public-tasks';
import type { RequestHandler } from './$types';

type Row = Omit<Awaited<ReturnType<typeof listJobTasks>>[number], 'solo' | 'leaseSession'>;

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
			? (await listJobTasks(hub.db, id)).map((t) => ({ ...shown(t), solo: t.solo, lease_session: t.leaseSession }))
			: (await listPublicTasks(hub.db, id)).map((t) => (t.settled ? shown(t) : pending(t)));
	if (rows.length === 0 && !(await getJobStatus(hub.db, id, { withResult: false }))) throw new ApiError(404, `no job "${id}"`);
	return json(rows);
});

function shown(t: Row) {
	return {
		seq: t.seq,
		replica: t.replica,
		state: t.state,
		first_input: t.firstInput,
		inputs: t.inputs.length,
		attempts: t.attempts,
		failures: t.failures,
		last_error: t.lastError,
		/** Inputs kept from a yielded lease (a checkpoint), not computed again. */
		checkpointed: t.checkpointed,
		volunteer_id: t.volunteerId,
		backend: t.backend,
		result_class: t.resultClass,
		verdict: t.verdict,
		duration_ms: t.durationMs
	};
}

/** A replica of a chunk still in play: its place, nothing about who holds it or how it went. */
function pending(t: { seq: number; replica: number; firstInput: number; inputs: string[] }) {
	return {
		seq: t.seq,
		replica: t.replica,
		state: 'pending' as const,
		first_input: t.firstInput,
		inputs: t.inputs.length,
		attempts: null,
		failures: null,
		last_error: null,
		checkpointed: null,
		volunteer_id: null,
		backend: null,
		result_class: null,
		verdict: null,
		duration_ms: null
	};
}
