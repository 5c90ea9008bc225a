/** Jobs: submit one (also at the seed's POST /tasks/submit), and list recent ones. */
import { json } from '@sveltejs/kit';
import { submissionSchema } from '$lib/protocol/jobs';
import { ApiError, readJson, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { checkQuota } from '$lib/server/auth/key-quota';
import { ownerOf } from '$lib/server/auth/principal';
import { idempotencyKeyOf, idempotent } from '$lib/server/http/idempotency';
import { isStoredImage } from '$lib/server/images/store-image';
import { submitJob } from '$lib/server/scheduler/submit-job';
import { listJobs } from '$lib/server/scheduler/list-jobs';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = withApiErrors(async ({ request, url, locals: { hub } }) => {
	const start = Date.now();
	const principal = await requirePrincipal(hub, request);
	const submission = await readJson(request, submissionSchema(hub.config.limits), hub.config.limits.maxBodyBytes);
	const inputs = typeof submission.input === 'string' ? 1 : submission.input.length;
	const key = idempotencyKeyOf(request);
	const outcome = await idempotent(hub.db, principal, key, submission, async (db) => {
		const quota = await checkQuota(db, principal, inputs);
		if (!quota.ok) return json({ error: quota.error }, { status: 429, headers: { 'retry-after': String(quota.retryAfterSeconds) } });
		const submitted = await submitJob(db, submission, hub.config.chunkSize, (sha) => isStoredImage(hub.blobs, sha), ownerOf(principal));
		if (!submitted.ok) throw new ApiError(submitted.status, submitted.error);
		return { jobId: submitted.id };
	});
	if (outcome instanceof Response) return outcome;
	const location = new URL(`/api/jobs/${outcome.jobId}`, url).pathname;
	// A retry of a request that already made its job: that job, as it is now, and nothing queued again.
	if (outcome.replayed)
		return json({ task_id: outcome.jobId, status: outcome.status }, { status: 200, headers: { location, 'idempotent-replayed': 'true' } });
	hub.notify.workAvailable();
	const job = {
		jobId: outcome.jobId,
		taskType: submission.task_type,
		model: submission.model,
		inputs,
		submitter: ownerOf(principal) ?? 'admin'
	};
	hub.observe.jobSubmitted(job, { start, end: Date.now() });
	return json({ task_id: outcome.jobId, status: 'queued' }, { status: 201, headers: { location } });
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
