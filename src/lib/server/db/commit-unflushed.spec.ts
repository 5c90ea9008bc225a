/**
 * commitUnflushed turns the WAL flush off for its own transaction only: the hub's other transactions on the
 * same pooled connection (results above all) still wait for the disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { TEST_DB_KINDS, openTestDatabase } from './testing';
import type { Database } from './index';
import { rowsOf } from './rows';
import { commitUnflushed } from './commit-unflushed';

describe.each(TEST_DB_KINDS)('commitUnflushed on %s', (kind) => {
	let database: Database;
	beforeAll(async () => {
		// One connection: the transaction after it runs where it ran.
		database = await openTestDatabase(kind, { poolSize: 1 });
	});
	afterAll(() => database?.close());

	const setting = async (db: Database['db']) =>
		rowsOf<{ s: string }>(await db.execute(sql`select current_setting('synchronous_commit') as s`))[0].s;

	it('is off inside its transaction and back on after it', async () => {
		const { db } = database;
		const inside = await db.transaction(async (tx) => {
			await commitUnflushed(tx);
			return setting(tx);
		});
		expect(inside).toBe('off');
		expect(await setting(db)).toBe('on');
		expect(await db.transaction((tx) => setting(tx))).toBe('on');
	});
});
