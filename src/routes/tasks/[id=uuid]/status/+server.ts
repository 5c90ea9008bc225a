import { statusHandler } from '$lib/server/http/job-handlers';
import { seedTaskStatusView } from '$lib/server/http/job-views';
import type { RequestHandler } from './$types';

/** The seed's path for a job's status: GET /api/jobs/{id} with the seed's `task_id` for the job's id. */
export const GET: RequestHandler = statusHandler(seedTaskStatusView);
