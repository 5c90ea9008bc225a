/**
 * Keeps PostgreSQL's statistics of `tasks` in step with the queue. The planner picks each statement's index by
 * them, and the queue changes faster than autovacuum looks: it checks a table once a minute at most, and PGlite
 * has no autovacuum at all. Two moments matter:
 *
 * - a large job arrives (refreshPlannerStats): the table just grew by thousands of queued tasks but still looks
 *   nearly empty, and the claim sorted every queued task instead of walking tasks_claimable_idx to its LIMIT
 *   (7 ms instead of 0.4 ms per claim at 3,000 queued, growing with the queue);
 * - it starts (analyzeTasksIfStale, at every sweep): thousands of tasks go from queued to leased within seconds
 *   while the statistics still say none is, and the lease caps' count (claim-rules.ts) read every live lease
 *   through tasks_leased_idx for each claim group: 10 ms a group of 64 with 10,000 leases (BENCHMARKS.md).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { errorCode } from './locks';

/** Replicas added at once past which the statistics are refreshed there and then. */
const ANALYZE_AFTER = 500;

/** After `added` queued replicas arrived at once (a new job, a job split into smaller chunks). */
export async function refreshPlannerStats(db: Db, added: number) {
	if (added >= ANALYZE_AFTER) await db.execute(sql`analyze tasks`);
}

/** Any fixed key: the single-key advisory locks are a space of their own, apart from the chunks' two-key ones (locks.ts). */
const ANALYZE_LOCK = sql`hashtext('exostack: analyze tasks')`;

/**
 * Analyses `tasks` when autovacuum would (50 rows and a tenth of the table changed since its last analysis),
 * checked now rather than at autovacuum's next look. One hub process at a time, and never waiting: one whose turn
 * is taken, or that would queue behind a vacuum of the table, leaves it to the next sweep. Returns whether it ran.
 */
export async function analyzeTasksIfStale(db: Db): Promise<boolean> {
	const [row] = rowsOf<{ stale: boolean | null }>(
		await db.execute(sql`select s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) as stale
			from pg_stat_user_tables s join pg_class c on c.oid = s.relid where s.relid = 'tasks'::regclass`)
	);
	if (!row?.stale) return false;
	try {
		return await db.transaction(async (tx) => {
			const [lock] = rowsOf<{ ours: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${ANALYZE_LOCK}) as ours`));
			if (!lock.ours) return false;
			await tx.execute(sql`set local lock_timeout = '100ms'`);
			await tx.execute(sql`analyze tasks`);
			return true;
		});
	} catch (err) {
		if (errorCode(err) === LOCK_NOT_AVAILABLE) return false;
		throw err;
	}
}

/** lock_timeout ran out: a vacuum (or another analysis) holds the table. */
const LOCK_NOT_AVAILABLE = '55P03';
