/**
 * The scheduler's locking order, which keeps concurrent hub processes from deadlocking:
 *
 *   1. a chunk's advisory lock (lockChunk), taken by everything that decides a chunk's fate
 *      (completing, failing or validating one of its replicas), always before
 *   2. row locks on task rows.
 *
 * The one exception is accepting a result of an unreplicated chunk (accept-unreplicated.ts): a single
 * statement whose only contest is with a tail duplicate of the same chunk, settled by the accepted
 * results' primary key and, if the two wait on each other, by a retried deadlock victim.
 *
 * Claims never wait for a row: they take rows with SKIP LOCKED. Bulk updates (the reaper, a session's
 * release) skip rows others hold and settle each chunk afterwards in its own transaction. Whatever can
 * still wait (cancelling a job) is retried if PostgreSQL picks it as a deadlock victim.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';

/** Serialises decisions about one chunk (job, seq) until the transaction ends. */
export async function lockChunk(tx: Db, jobId: string, seq: number): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${jobId}), ${seq})`);
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure

/** Runs a transaction, again (a few times) if PostgreSQL aborted it as a deadlock victim. */
export async function retrying<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
	for (let i = 1; ; i++) {
		try {
			return await run();
		} catch (e) {
			if (i >= attempts || !RETRYABLE.has(errorCode(e))) throw e;
			await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 20));
		}
	}
}

function errorCode(e: unknown): string {
	const err = e as { code?: string; cause?: { code?: string } };
	return err?.code ?? err?.cause?.code ?? '';
}
