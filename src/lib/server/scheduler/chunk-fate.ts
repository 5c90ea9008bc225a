import { and, eq, inArray, not, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias, type PgColumn } from 'drizzle-orm/pg-core';
import { acceptedResults, tasks } from '../db/schema';
import type { Db } from '../db';

/** Replica states still in play: a chunk with one of these may yet be accepted. */
export const OPEN_STATES = ['queued', 'leased'] as const;

const replica = alias(tasks, 'chunk_replica');

/** The chunk a row belongs to (columns of the outer query, correlated into the subqueries below). */
export interface ChunkRef {
	jobId: PgColumn;
	seq: PgColumn;
}

/** A replica state column is open (OPEN_STATES). */
export function isOpen(state: SQLWrapper): SQL {
	return inArray(state as PgColumn, [...OPEN_STATES]);
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

/**
 * A dead chunk: no result accepted and no replica left that could bring one (every replica failed,
 * was cancelled or disagreed past 2n+1). The one definition: the job's status and the public task
 * listing both read it here.
 */
export function chunkDead(db: Db, c: ChunkRef): SQL {
	return and(not(accepted(db, c)), not(open(db, c)))!;
}

/** A settled chunk: accepted, or dead. Its replicas' story is over. */
export function chunkSettled(db: Db, c: ChunkRef): SQL {
	return or(accepted(db, c), not(open(db, c)))!;
}
