import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db';
import { findMigrations } from '../db/migrations-folder';
import { emptyPostgresDatabase, openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import { ReadinessView } from '../../protocol/health';
import { checkReadiness } from './readiness';

const shipped = findMigrations();
const journal = JSON.parse(readFileSync(path.join(shipped, 'meta', '_journal.json'), 'utf8')) as {
	entries: { idx: number; when: number; tag: string; version: string; breakpoints: boolean }[];
};

const scratches: string[] = [];
afterAll(() => scratches.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The committed migrations plus one more, as a newer build would ship them. */
function newerBuildMigrations(): string {
	const folder = path.join(mkdtempSync(path.join(tmpdir(), 'exostack-ready-')), 'drizzle');
	scratches.push(path.dirname(folder));
	cpSync(shipped, folder, { recursive: true });
	const last = journal.entries.at(-1)!;
	const next = { ...last, idx: last.idx + 1, when: last.when + 1000, tag: '9999_newer_build' };
	writeFileSync(path.join(folder, `${next.tag}.sql`), 'create table newer_build_table (id integer);');
	writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: [...journal.entries, next] }));
	return folder;
}

const probe = (database: Database, stopping = false) => ({ id: 'hub-1', db: database.db, database, stopping });

describe.each(TEST_DB_KINDS)('the readiness probe on %s', (kind) => {
	it('is ready on a reachable database with every shipped migration applied', async () => {
		const database = await openTestDatabase(kind);
		try {
			const view = ReadinessView.parse(await checkReadiness(probe(database)));
			expect(view).toEqual({ ready: true, hub: 'hub-1', database: kind, migrations: journal.entries.length });
		} finally {
			await database.close();
		}
	});

	it('is not ready while a newer build has migrations the database lacks, nor once the newest recorded one is gone', async () => {
		const database = await openTestDatabase(kind);
		try {
			expect(await checkReadiness(probe(database), { migrationsFolder: newerBuildMigrations() })).toMatchObject({
				ready: false,
				reason: 'migrations_pending',
				error: `1 of this build's ${journal.entries.length + 1} migrations are not applied`
			});
			// A database restored from before the last migration: drizzle's record of it is what the migrator reads.
			await database.db.execute(
				sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`
			);
			expect(await checkReadiness(probe(database))).toMatchObject({ ready: false, reason: 'migrations_pending' });
			await database.db.execute(sql`drop table drizzle.__drizzle_migrations`);
			expect(await checkReadiness(probe(database))).toMatchObject({
				ready: false,
				reason: 'migrations_pending',
				error: `${journal.entries.length} of this build's ${journal.entries.length} migrations are not applied`
			});
		} finally {
			await database.close();
		}
	});

	it('is not ready once stopping began, nor once the database is closed', async () => {
		const database = await openTestDatabase(kind);
		expect(await checkReadiness(probe(database, true))).toMatchObject({ ready: false, reason: 'shutting_down' });
		await database.close();
		const view = await checkReadiness(probe(database));
		// The driver's own words (which may name hosts and databases) stay in the hub's log.
		expect(view).toMatchObject({
			ready: false,
			reason: 'database_unreachable',
			error: "the database query failed (the hub's log says why)"
		});
		expect(ReadinessView.parse(view)).toEqual(view);
	});
});

describe.runIf(TEST_DB_KINDS.includes('postgres'))('the readiness probe on a PostgreSQL that does not answer in time', () => {
	it('answers not ready when the database has not answered within the timeout', async () => {
		const empty = (await emptyPostgresDatabase())!;
		// One connection, held by a long query: the probe's `select 1` waits behind it, as it would on a stuck server.
		const database = await openDatabase({ url: empty.url, poolSize: 1 });
		try {
			// drizzle's queries start when awaited: then() sends it now.
			const held = database.db.execute(sql`select pg_sleep(3)`).then(() => {});
			expect(await checkReadiness(probe(database), { timeoutMs: 300 })).toMatchObject({
				ready: false,
				reason: 'database_unreachable',
				error: 'the database did not answer within 300 ms'
			});
			await held;
			expect(await checkReadiness(probe(database), { timeoutMs: 300 })).toMatchObject({ ready: true });
		} finally {
			await database.close();
			await empty.drop();
		}
	});
});
