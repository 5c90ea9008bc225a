import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { jobs } from '../db/schema';
import type { Principal } from './principal';

const DAY_MS = 24 * 60 * 60 * 1000;

export type QuotaVerdict = { ok: true } | { ok: false; error: string; retryAfterSeconds: number };

/**
 * Whether a key may queue one more job of `inputs` inputs: its jobs and inputs over the last 24 hours
 * (a rolling window, so there is no midnight burst) stay within its quotas. The admin has none.
 * When refused, Retry-After is when the oldest job in the window leaves it: the earliest moment the
 * answer can change (the client may then be told to wait again if one job's leaving is not enough).
 *
 * Two submissions racing may both pass the check and overshoot by one job: a quota bounds abuse over a
 * day, and an exact count would need a lock per key on every submission.
 */
export async function checkQuota(db: Db, p: Principal, inputs: number): Promise<QuotaVerdict> {
	if (p.kind === 'admin') return { ok: true };
	const { jobsPerDay, inputsPerDay } = p.quotas;
	const [used] = await db
		.select({
			jobs: sql<number>`count(*)::int`,
			inputs: sql<number>`coalesce(sum(${jobs.totalInputs}), 0)::int`,
			oldest: sql<string | Date | null>`min(${jobs.createdAt})`
		})
		.from(jobs)
		.where(and(eq(jobs.ownerKeyId, p.id), gt(jobs.createdAt, sql`now() - interval '1 day'`)));
	const retryAfterSeconds = used.oldest
		? Math.max(1, Math.ceil((new Date(used.oldest).getTime() + DAY_MS - Date.now()) / 1000))
		: DAY_MS / 1000;
	if (Number(used.jobs) + 1 > jobsPerDay)
		return {
			ok: false,
			retryAfterSeconds,
			error: `this key's quota of ${jobsPerDay} jobs a day is used up (${used.jobs} in the last 24 hours)`
		};
	if (Number(used.inputs) + inputs > inputsPerDay)
		return {
			ok: false,
			retryAfterSeconds,
			error:
				inputs > inputsPerDay
					? `this job's ${inputs} inputs exceed this key's quota of ${inputsPerDay} inputs a day`
					: `this key's quota of ${inputsPerDay} inputs a day would be exceeded: ${used.inputs} used in the last 24 hours, ${inputs} more asked`
		};
	return { ok: true };
}
