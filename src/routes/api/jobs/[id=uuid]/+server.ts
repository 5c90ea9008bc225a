import { statusHandler } from '$lib/server/http/job-handlers';
import type { RequestHandler } from './$types';

/** A job's status, progress and (once finished) results. Its owner's key or the admin's only. */
export const GET: RequestHandler = statusHandler((view) => view);
