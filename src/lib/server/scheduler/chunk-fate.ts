import { and, eq, not, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias, type AnyPgColumn, type PgColumn } from 'drizzle-orm/pg-core';
import { acceptedResults, jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import { stateIn } from '../db/schema/states';

/** Replica states still in play: a chunk with one of these may yet be accepted. */
export const OPEN_STATES = ['queued', 'leased'] as const;

const replica = alias(tasks, 'chunk_replica');

/** The chunk a row belongs to (columns of the outer query, correlated into the subqueries below). */
export interface ChunkRef {
	jobId: PgColumn;
	seq: PgColumn;
}

/** A replica state column is open (OPEN_STATES); a literal test, so tasks_open_idx serves it under any plan (stateIn). */
export function isOpen(state: AnyPgColumn): SQL {
	return stateIn(state, OPEN_STATES);
}

function accepted(db: Db, c: ChunkRef): SQL {
	const row = db
		.select({ one: sql`1` })
		.from(acceptedResults)
		.where(and(eq(acceptedResults.jobId, c.jobId), eq(acceptedResults.seq, c.seq)));
	return sql`exists (${row})`;
}

function open(db: Db, c: ChunkRef): SQL {
	const row = db
		.select({ one: sql`1` })
		.from(replica)
		.where(and(eq(replica.jobId, c.jobId), eq(replica.seq, c.seq), isOpen(replica.state)));
	return sql`exists (${row})`;
}

/** The chunk was cut short by its job's cancel: the job was cancelled, and no replica of the chunk had died. */
function cutShort(db: Db, c: ChunkRef): SQL {
	const cancelledJob = db
		.select({ one: sql`1` })
		.from(jobs)
		.where(and(eq(jobs.id, c.jobId), eq(jobs.status, 'cancelled')));
	const died = db
		.select({ one: sql`1` })
		.from(replica)
		.where(and(eq(replica.jobId, c.jobId), eq(replica.seq, c.seq), eq(replica.state, 'dead')));
	return sql`(exists (${cancelledJob}) and not exists (${died}))`;
}

/**
 * A dead chunk: no result accepted and no replica left that could bring one (every replica failed,
 * was cancelled or disagreed past 2n+1), unless its job's cancel cut it short before any replica died:
 * that chunk is cancelled, not dead (nobody failed it, and the dashboard says "failed" of dead chunks).
 * The one definition, read per replica here and per chunk by chunkFateOfGroup (chunk-fate.spec checks
 * they agree).
 */
export function chunkDead(db: Db, c: ChunkRef): SQL {
	return and(not(accepted(db, c)), not(open(db, c)), not(cutShort(db, c)))!;
}

/** A settled chunk: accepted, dead or cancelled. Its replicas' story is over. */
export function chunkSettled(db: Db, c: ChunkRef): SQL {
	return or(accepted(db, c), not(open(db, c)))!;
}

/** Where a chunk stands, as a job's status and the dashboard count it. */
export type ChunkFate = 'done' | 'leased' | 'queued' | 'dead' | 'cancelled';

/**
 * A chunk's fate read over its replicas grouped together (GROUP BY the chunk), for a whole job in one
 * pass: `accepted` says whether a row's chunk has an accepted result (a joined accepted_results column),
 * `cancelled` whether its job was cancelled. Done once accepted; else leased or queued while a replica is
 * (the OPEN_STATES); else cancelled if its job's cancel cut it short, dead otherwise: chunkDead read from the same
 * rows instead of asked again per row (two subqueries per replica made a 100,000-task job's status cost
 * 0.2 s of PostgreSQL per poll). chunk-fate.spec checks that the two agree.
 */
export function chunkFateOfGroup(state: SQLWrapper, accepted: SQL, cancelled: SQL): SQL<ChunkFate> {
	const [queued, leased] = OPEN_STATES;
	return sql<ChunkFate>`case when bool_or(${accepted}) then 'done' when bool_or(${state} = ${leased}) then 'leased'
		when bool_or(${state} = ${queued}) then 'queued' when ${cancelled} and not bool_or(${state} = 'dead') then 'cancelled'
		else 'dead' end`;
}
