/** Jobs: submit one (also at the seed's POST /tasks/submit, answered with its `task_id`), and list recent ones. */
import { json } from '@sveltejs/kit';
import { ApiError, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { submitHandler } from '$lib/server/http/job-handlers';
import { jobCreatedView, jobListItemView } from '$lib/server/http/job-views';
import { listJobs } from '$lib/server/scheduler/list-jobs';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = submitHandler(jobCreatedView);

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
	return json(rows.map(jobListItemView));
});
