/**
 * A statement built once (built-once.ts) answers as the same statement built on every call does, with
 * the same text, on both databases, and its parts are assembled only at its first call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openTestDatabase, TEST_DB_KINDS } from './testing';
import type { Database, Db } from './index';
import { builtOnce } from './built-once';
import { rowsOf } from './rows';
import { jobs } from './schema';

const dialect = new PgDialect();

/** `db`, with the text of each statement it is given to execute. */
function watched(db: Db) {
	const texts: string[] = [];
	const proxy = new Proxy(db, {
		get(target, key, receiver) {
			const value = Reflect.get(target, key, receiver);
			if (key !== 'execute') return value;
			return (statement: SQL) => {
				texts.push(dialect.sqlToQuery(statement).sql);
				return (value as (s: SQL) => unknown).call(target, statement);
			};
		}
	}) as Db;
	return { db: proxy, texts };
}

describe.each(TEST_DB_KINDS)('a statement built once on %s', (kind) => {
	let database: Database | null = null;
	afterEach(() => database?.close());

	it('answers each call with its own values, as the statement built each time does, in the same text', async () => {
		database = await openTestDatabase(kind);
		const { db, texts } = watched(database.db);
		await db.execute(sql`create table marks (tag text, n int)`);
		await db.execute(sql`insert into marks values ('a', 1), ('b', 2), ('c', 3), ('a', 4)`);
		let builds = 0;
		// A constant bound as a parameter between two placeholders, and a cast on one: their order must hold.
		const statement = (tag: unknown, above: unknown) =>
			sql`select tag, n from marks where tag = ${tag}::text and n > ${0} and n > ${above} order by n`;
		const once = builtOnce<{ tag: string; above: number }>(() => {
			builds++;
			return statement(sql.placeholder('tag'), sql.placeholder('above'));
		});
		for (const [tag, above] of [
			['a', 0],
			['a', 2],
			['b', 5]
		] as const) {
			const fast = rowsOf(await once(db, { tag, above }));
			const slow = rowsOf(await db.execute(statement(tag, above)));
			expect(fast).toEqual(slow);
		}
		expect(rowsOf(await once(db, { tag: 'a', above: 0 }))).toEqual([
			{ tag: 'a', n: 1 },
			{ tag: 'a', n: 4 }
		]);
		expect(builds).toBe(1);
		// One text for both ways, so the driver's and PostgreSQL's prepared statement serves both.
		expect(new Set(texts.slice(2)).size).toBe(1);
	});

	it('binds a placeholder through its column, as drizzle does, and refuses a call missing one', async () => {
		database = await openTestDatabase(kind);
		const { db } = database;
		const byId = builtOnce<{ id: string }>(
			() => sql`select ${jobs.id} as id from ${jobs} where ${and(eq(jobs.id, sql.placeholder('id')), eq(jobs.status, 'queued'))}`
		);
		expect(rowsOf(await byId(db, { id: '00000000-0000-4000-8000-000000000000' }))).toEqual([]);
		expect(() => byId(db, {} as { id: string })).toThrow(/No value for placeholder "id"/);
	});
});
