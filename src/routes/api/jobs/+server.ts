/** Jobs: submit one (also at the seed's POST /tasks/submit, answered with its `task_id`), and list recent ones. */
import { json } from '@sveltejs/kit';
import { parseQuery, requirePrincipal, withApiErrors } from '$lib/server/http/api';
import { JobListQuery } from '$lib/protocol/rest/jobs';
import { submitHandler } from '$lib/server/http/job-handlers';
import { jobCreatedView, jobListItemView } from '$lib/server/http/job-views';
import { listJobs } from '$lib/server/scheduler/list-jobs';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = submitHandler(jobCreatedView);

/** The caller's jobs, newest first (the admin's: every job). Anonymous callers get a 401: which jobs exist is private. */
export const GET: RequestHandler = withApiErrors(async ({ request, url, locals: { hub } }) => {
	const principal = await requirePrincipal(hub, request);
	const { limit, before } = parseQuery(url, JobListQuery);
	const rows = await listJobs(hub.db, limit!, before ? new Date(before) : undefined, principal.kind === 'admin' ? undefined : principal.id);
	return json(rows.map(jobListItemView));
});
