/**
 * Job endpoints. Each is mounted at its REST path and at the seed's alias (the seed called a job a
 * task): POST /api/jobs = POST /tasks/submit, GET /api/jobs/{id} = GET /tasks/{id}/status.
 */
import { json, type RequestEvent } from '@sveltejs/kit';
import { getHub } from '../runtime';
import { submissionSchema } from '../../protocol/jobs';
import { submitJob } from '../scheduler/submit-job';
import { getJobStatus } from '../scheduler/job-status';
import { cancelJob } from '../scheduler/cancel-job';
import { listJobs, listJobTasks } from '../scheduler/list-jobs';
import { ApiError, readJson, requireToken, withApiErrors } from './api';
import { isStoredImage } from '../images/store-image';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function jobIdParam(event: RequestEvent): string {
	const id = event.params.id ?? '';
	if (!UUID.test(id)) throw new ApiError(404, `no job "${id}": job ids are UUIDs`);
	return id;
}

export const submit = withApiErrors(async ({ request, url }: RequestEvent) => {
	const hub = await getHub();
	requireToken(hub, request);
	const submission = await readJson(request, submissionSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const outcome = await submitJob(hub.db, submission, hub.config.chunkSize, (sha) => isStoredImage(hub.blobs, sha));
	if (!outcome.ok) throw new ApiError(outcome.status, outcome.error);
	hub.notify.workAvailable();
	const location = new URL(`/api/jobs/${outcome.id}`, url).pathname;
	return json({ task_id: outcome.id, status: 'queued' }, { status: 201, headers: { location } });
});

export const status = withApiErrors(async (event: RequestEvent) => {
	const hub = await getHub();
	const view = await getJobStatus(hub.db, jobIdParam(event));
	if (!view) throw new ApiError(404, `no job "${event.params.id}"`);
	return json(view);
});

export const cancel = withApiErrors(async (event: RequestEvent) => {
	const hub = await getHub();
	requireToken(hub, event.request);
	const id = jobIdParam(event);
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

export const list = withApiErrors(async ({ url }: RequestEvent) => {
	const hub = await getHub();
	const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 50) || 50, 1), 500);
	const beforeParam = url.searchParams.get('before');
	const before = beforeParam ? new Date(beforeParam) : undefined;
	if (before && Number.isNaN(before.getTime())) throw new ApiError(400, 'before must be an ISO date');
	const rows = await listJobs(hub.db, limit, before);
	return json(
		rows.map((j) => ({
			task_id: j.id,
			task_type: j.taskType,
			model: j.modelId,
			status: j.status,
			inputs: j.totalInputs,
			created_at: j.createdAt.toISOString(),
			finished_at: j.finishedAt?.toISOString() ?? null
		}))
	);
});

export const tasksOfJob = withApiErrors(async (event: RequestEvent) => {
	const hub = await getHub();
	const id = jobIdParam(event);
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
