/**
 * `Idempotency-Key` for every route that creates a job: a retry with the same key and the same body gets
 * the first job back instead of a second one; the same key with another body is a 422. Keys are the
 * caller's own (scoped by principal) and count for 24 h.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { idempotencyKeys, jobs } from '../db/schema';
import type { Principal } from '../auth/principal';
import type { JobStatus } from '../../protocol/jobs';
import { ApiError } from './api';

export const MAX_IDEMPOTENCY_KEY_CHARS = 255;
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/** The request's Idempotency-Key, or null without one; a 400 when it is empty, too long or not printable ASCII. */
export function idempotencyKeyOf(request: Request): string | null {
	const key = request.headers.get('idempotency-key');
	if (key === null) return null;
	if (key.length > MAX_IDEMPOTENCY_KEY_CHARS || !KEY_PATTERN.test(key))
		throw new ApiError(400, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters without spaces`);
	return key;
}

/** What `create` answers: the new job's id (and its tasks, when it says), or a refusal (a quota's 429, an unknown model) that stores nothing. */
export type Created<F> = { ok: true; id: string; tasks?: number } | F;

export type IdempotentOutcome<F> =
	{ ok: true; id: string; replayed: false; tasks?: number } | { ok: true; id: string; replayed: true; status: JobStatus } | F;

/**
 * Runs `create` once per (principal, key): without a key it just runs. With one, it runs in a transaction
 * that holds an advisory lock on the key, so two concurrent retries cannot both create a job: the second
 * waits, then finds the first's row. `body` is the validated request, hashed to tell a retry from a misuse.
 * A refusal, or an error thrown by `create`, stores no key (and the error rolls its job back), so the
 * client may retry.
 */
export async function idempotent<F extends { ok: false }>(
	db: Db,
	principal: Principal,
	key: string | null,
	body: unknown,
	create: (db: Db) => Promise<Created<F>>
): Promise<IdempotentOutcome<F>> {
	if (key === null) {
		const created = await create(db);
		return created.ok ? { ok: true, id: created.id, replayed: false, tasks: created.tasks } : created;
	}
	const owner = principal.kind === 'admin' ? 'admin' : principal.id;
	const sha = createHash('sha256').update(JSON.stringify(body)).digest('hex');
	return db.transaction(async (tx): Promise<IdempotentOutcome<F>> => {
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`idempotency:${owner}:${key}`}))`);
		const [first] = await tx
			.select({ sha: idempotencyKeys.bodySha256, jobId: idempotencyKeys.jobId, status: jobs.status })
			.from(idempotencyKeys)
			.innerJoin(jobs, eq(jobs.id, idempotencyKeys.jobId))
			.where(
				and(
					eq(idempotencyKeys.principal, owner),
					eq(idempotencyKeys.key, key),
					gt(idempotencyKeys.createdAt, sql`now() - interval '1 day'`)
				)
			);
		if (first) {
			if (first.sha !== sha) throw new ApiError(422, 'this Idempotency-Key was already used with a different request body');
			return { ok: true, id: first.jobId, replayed: true, status: first.status };
		}
		const created = await create(tx);
		if (!created.ok) return created;
		// An expired row of the same key is replaced; the caller's other expired keys go with it.
		await tx
			.delete(idempotencyKeys)
			.where(and(eq(idempotencyKeys.principal, owner), lt(idempotencyKeys.createdAt, sql`now() - interval '1 day'`)));
		await tx
			.insert(idempotencyKeys)
			.values({ principal: owner, key, bodySha256: sha, jobId: created.id })
			.onConflictDoUpdate({
				target: [idempotencyKeys.principal, idempotencyKeys.key],
				set: { bodySha256: sha, jobId: created.id, createdAt: sql`now()` }
			});
		return { ok: true, id: created.id, replayed: false, tasks: created.tasks };
	});
}
