/**
 * The hub's queries are named prepared statements on PostgreSQL (patches/drizzle-orm: upstream drizzle
 * sends every ordinary query unnamed, so the server parses and plans it on each call), unless the operator
 * turns them off for a pooler that cannot keep them (EXOSTACK_DB_PREPARED_STATEMENTS=off).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { openDatabase, type Database } from './index';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from './testing';
import { rowsOf } from './rows';
import { jobs } from './schema';

describe.skipIf(testServerUrl() === null)('prepared statements on PostgreSQL', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let database: Database | null = null;
	afterEach(async () => {
		await database?.close();
		await empty?.drop();
	});

	/** How many of this connection's prepared statements read the jobs table, after two identical reads (one connection). */
	async function preparedAfterTwoReads(prepare: boolean | undefined): Promise<number> {
		empty = await emptyPostgresDatabase();
		database = await openDatabase({ url: empty!.url, poolSize: 1, prepare });
		const { db } = database;
		for (let i = 0; i < 2; i++) await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, 'queued'));
		const [row] = rowsOf<{ n: number | string }>(
			await db.execute(
				sql`select count(*) as n from pg_prepared_statements where statement like '%from "jobs"%' and statement not like '%pg_prepared_statements%'`
			)
		);
		return Number(row.n);
	}

	it('prepares each query text once per connection by default', async () => {
		expect(await preparedAfterTwoReads(undefined)).toBe(1);
	});

	it('prepares nothing when turned off', async () => {
		expect(await preparedAfterTwoReads(false)).toBe(0);
	});

	it('keeps a generic plan after five calls, compiles nothing, and lets the server end a session idle in a transaction', async () => {
		empty = await emptyPostgresDatabase();
		database = await openDatabase({ url: empty!.url, poolSize: 1 });
		const { db } = database;
		// PostgreSQL's own choice (plan_cache_mode auto): planned for the first five calls, then one generic plan kept.
		// Planning every call cost 24-38 % of the statements' time in bench/dispatch (db/index.ts); the partial indexes stay in
		// reach of a generic plan through literal state tests (schema/states.ts's stateIn, scheduler/query-plans.spec.ts).
		for (let i = 0; i < 8; i++) await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.status, 'queued'));
		const [plans] = rowsOf<{ generic: number | string; custom: number | string }>(
			await db.execute(
				sql`select generic_plans as generic, custom_plans as custom from pg_prepared_statements where statement like '%from "jobs"%' and statement not like '%pg_prepared_statements%'`
			)
		);
		expect({ generic: Number(plans.generic), custom: Number(plans.custom) }).toEqual({ generic: 3, custom: 5 });
		const [settings] = rowsOf<{ jit: string; idle: string; plans: string }>(
			await db.execute(
				sql`select current_setting('jit') as jit, current_setting('idle_in_transaction_session_timeout') as idle, current_setting('plan_cache_mode') as plans`
			)
		);
		// A hub gone silent mid-transaction loses its locks after a minute (scheduler/silent-database.spec.ts).
		expect(settings).toEqual({ jit: 'off', idle: '1min', plans: 'auto' });
	});
});
