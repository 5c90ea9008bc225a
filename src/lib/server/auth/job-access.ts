import { eq } from 'drizzle-orm';
import type { Db } from '../db';
import { jobs } from '../db/schema';
import { authenticate, type Credentials } from './authenticate';
import { mayAccessJob, type Principal } from './principal';

/**
 * Whether the principal may see a job's private parts; false too when there is no such job, so a
 * stranger cannot tell someone else's job from a missing one (both answer 404).
 */
export async function canAccessJob(db: Db, p: Principal | null, jobId: string): Promise<boolean> {
	if (!p) return false;
	const [job] = await db.select({ ownerKeyId: jobs.ownerKeyId }).from(jobs).where(eq(jobs.id, jobId));
	return !!job && mayAccessJob(p, job.ownerKeyId);
}

/**
 * The same rule for a bearer token, as a socket handler gets it (the dashboard namespace's `job:watch`
 * calls this with the token its page sent, so live text follows the REST rule).
 */
export async function tokenMayAccessJob(c: Credentials, token: string | null | undefined, jobId: string): Promise<boolean> {
	if (!token) return false;
	return canAccessJob(c.db, await authenticate(c, token), jobId);
}
