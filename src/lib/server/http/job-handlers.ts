/**
 * The handlers `/api/jobs` shares with the seed's `/tasks/*` paths: one way into the queue and one
 * status read, answered by each path's own view (`job_id` on `/api/*`, the seed's `task_id` on its paths).
 */
import { json, type RequestEvent } from '@sveltejs/kit';
import { submissionSchema, type JobStatus } from '../../protocol/jobs';
import type { JobStatusView } from '../../protocol/rest/jobs';
import { ApiError, readJson, requireJobAccess, requirePrincipal, withApiErrors } from './api';
import { idempotencyKeyOf } from './idempotency';
import { submitAs } from './submit-as';
import { spanNow } from '../observe/tracing';

/** Queues a submission and answers `view(id, status)`: 201, or 200 for a replayed Idempotency-Key. */
export function submitHandler<T>(view: (id: string, status: JobStatus) => T) {
	return withApiErrors(async ({ request, url, locals: { hub } }: RequestEvent) => {
		const start = spanNow();
		const principal = await requirePrincipal(hub, request);
		const submission = await readJson(request, submissionSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
		const outcome = await submitAs(hub, principal, submission, { start, idempotencyKey: idempotencyKeyOf(request) });
		if (!outcome.ok && outcome.status === 429)
			return json({ error: outcome.error }, { status: 429, headers: { 'retry-after': String(outcome.retryAfterSeconds) } });
		if (!outcome.ok) throw new ApiError(outcome.status, outcome.error);
		const location = new URL(`/api/jobs/${outcome.id}`, url).pathname;
		// A retry of a request that already made its job: that job, as it is now, and nothing queued again.
		if (outcome.replayed)
			return json(view(outcome.id, outcome.status), { status: 200, headers: { location, 'idempotent-replayed': 'true' } });
		return json(view(outcome.id, 'queued'), { status: 201, headers: { location } });
	});
}

/** A job's status, progress and (once finished) results. Its owner's key or the admin's only. */
export function statusHandler<T>(view: (v: JobStatusView) => T) {
	return withApiErrors(async ({ request, params, locals: { hub } }: RequestEvent<{ id: string }>) => {
		await requireJobAccess(hub, request, params.id);
		const status = await hub.statusReads.get(params.id);
		if (!status) throw new ApiError(404, `no job "${params.id}"`);
		return json(view(status));
	});
}
