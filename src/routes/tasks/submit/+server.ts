import { submitHandler } from '$lib/server/http/job-handlers';
import { seedTaskCreatedView } from '$lib/server/http/job-views';
import type { RequestHandler } from './$types';

/** The seed's path for submitting a job (the seed called a job a task): POST /api/jobs, answering `task_id`. */
export const POST: RequestHandler = submitHandler(seedTaskCreatedView);
