/** Jobs: submit one (also at the seed's POST /tasks/submit), and list recent ones. */
import { json } from '@sveltejs/kit';
import { submissionSchema } from '$lib/protocol/jobs';
import { ApiError, readJson, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { idempotencyKeyOf } from '$lib/server/http/idempotency';
import { submitAs } from '$lib/server/http/submit-as';
import { listJobs } from '$lib/server/scheduler/list-jobs';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withApiErrors(async ({ request, url, locals: { hub } }) => {
	const start = Date.now();
	const principal = await requirePrincipal(hub, request);
	const submission = await readJson(request, submissionSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const outcome = await submitAs(hub, principal, submission, start, idempotencyKeyOf(request));
	if (!outcome.ok && outcome.status === 429)
		return json({ error: outcome.error }, { status: 429, headers: { 'retry-after': String(outcome.retryAfterSeconds) } });
	if (!outcome.ok) throw new ApiError(outcome.status, outcome.error);
	const location = new URL(`/api/jobs/${outcome.id}`, url).pathname;
	// A retry of a request that already made its job: that job, as it is now, and nothing queued again.
	if (outcome.replayed)
		return json({ task_id: outcome.id, status: outcome.status }, { status: 200, headers: { location, 'idempotent-replayed': 'true' } });
	return json({ task_id: outcome.id, status: 'queued' }, { status: 201, headers: { location } });
});

/** The caller's jobs, newest first (the admin's: every job). Anonymous callers get a 401: which jobs exist is private. */
export const GET: RequestHandler = withApiErrors(async ({ request, url, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 50) || 50, 1), 500);
	const beforeParam = url.searchParams.get('before');
	const before = beforeParam ? new Date(beforeParam) : undefined;
	// JavaScript dates run from year -271821 to 275760; PostgreSQL reads the ISO form only for years 1 to 9999 (it was a 500).
	const year = before?.getUTCFullYear();
	if (year !== undefined && !(year >= 1 && year <= 9999)) throw new ApiError(400, 'before must be an ISO date from year 1 to 9999');
	const rows = await listJobs(hub.db, limit, before, principal.kind === 'admin' ? undefined : principal.id);
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
