import { and, eq } from 'drizzle-orm';
import { tasks } from '../db/schema';

/**
 * Replicas that are the job's own work, as opposed to checks of work already accepted (re-checks of a
 * caught volunteer's results, known-answer checks): a job never waits for checks, they never count as
 * its progress, and nobody outside sees them.
 */
export function isJobWork(t: typeof tasks = tasks) {
	return and(eq(t.recheck, false), eq(t.spotCheck, false))!;
}
