import { sql } from 'drizzle-orm';
import type { Db } from './index';

/**
 * Lets the transaction `tx` commit without waiting for its write-ahead log to reach the disk
 * (`synchronous_commit = off` for this transaction alone). The commit is still atomic and ordered; only a
 * crash of PostgreSQL itself (not of a hub) can lose the last fraction of a second of such commits.
 *
 * Only for writes whose loss costs a retry and nothing else: a lost claim leaves its tasks queued and its
 * lease tokens unknown, so the volunteer's result is refused as stale and the task is leased again. Never
 * for anything acknowledged as kept: results, jobs, credit. Why: on this machine the flush is most of a
 * small transaction's time (a claim alone took 7 ms, most of it waiting for the disk).
 */
export function commitUnflushed(tx: Db) {
	return tx.execute(sql`set local synchronous_commit = off`);
}
