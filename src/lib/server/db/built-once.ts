import { fillPlaceholders, Param, sql, StringChunk, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './index';

/** Where a parameter goes in a statement's text: NUL, which no statement text can hold. */
const MARK = '\u0000';

/** Renders statements with MARK for each parameter, so their text splits into the pieces between. */
class MarkingDialect extends PgDialect {
	override escapeParam(): string {
		return MARK;
	}
}

const marking = new MarkingDialect();

/**
 * A statement of the hot path whose SQL is built from its parts once per process, then run with new
 * values for its placeholders (`sql.placeholder(name)` in `build`'s SQL) on whatever database or
 * transaction each call names. It returns what `db.execute(statement)` returns, and runs through it: the
 * same lazy start when first awaited (claim-tasks.ts's statements reach the driver in the order written),
 * the same text for the driver and PostgreSQL to keep prepared.
 *
 * Why: drizzle builds a statement's text from its parts on every call, and for the claim's candidate
 * statement (hundreds of parts: the rules' subqueries) that was the largest single cost of the hub's own
 * CPU after its socket writes, about 4 % of the hub's samples in bench/interactive with batch work
 * running (BENCHMARKS.md). Here a call hands drizzle only the text's pieces and the values.
 *
 * `build` may depend on nothing but its placeholders: it runs once, at the first call.
 */
export function builtOnce<V extends Record<string, unknown> = Record<string, never>>(build: (db: Db) => SQL) {
	let built: { pieces: string[]; params: unknown[] } | null = null;
	return (db: Db, values: V) => {
		if (built === null) {
			const query = marking.sqlToQuery(build(db));
			built = { pieces: query.sql.split(MARK), params: query.params };
		}
		const { pieces, params } = built;
		const filled = fillPlaceholders(params, values);
		const chunks: (StringChunk | Param)[] = [new StringChunk(pieces[0])];
		filled.forEach((value, i) => chunks.push(new Param(value), new StringChunk(pieces[i + 1])));
		return db.execute(sql.fromList(chunks));
	};
}

/**
 * A selection (or RETURNING list) for a statement built once: each field `AS` its key, since a statement run
 * through `db.execute` comes back as rows keyed by column name, the driver's values not yet mapped.
 */
export function byName<T extends Record<string, SQLWrapper>>(fields: T): { [K in keyof T]: SQL.Aliased } {
	return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, sql`${field}`.as(key)])) as { [K in keyof T]: SQL.Aliased };
}
