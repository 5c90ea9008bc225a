import { sql } from 'drizzle-orm';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';

/** Read once per folder: the files do not change under a running hub, and a probe asks every few seconds. */
const journals = new Map<string, MigrationMeta[]>();

export interface MigrationState {
	/** Migrations in the folder: what this build ships. */
	shipped: number;
	/** Of those, how many the database has not applied. */
	pending: number;
}

/**
 * How many of the folder's migrations the database has not applied, judged as drizzle's migrator judges
 * it (drizzle-orm/pg-core/dialect.js `migrate`): a migration counts as applied when the newest row of
 * `drizzle.__drizzle_migrations` is at least as recent as the migration's journal timestamp. A database
 * never migrated (no such table) lacks them all.
 */
export async function migrationState(db: Db, migrationsFolder: string): Promise<MigrationState> {
	let expected = journals.get(migrationsFolder);
	if (!expected) journals.set(migrationsFolder, (expected = readMigrationFiles({ migrationsFolder })));
	const [table] = rowsOf<{ found: boolean }>(
		await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as found`)
	);
	if (!table?.found) return { shipped: expected.length, pending: expected.length };
	const [row] = rowsOf<{ newest: string | number | null }>(
		await db.execute(sql`select max(created_at) as newest from drizzle.__drizzle_migrations`)
	);
	const newest = row?.newest == null ? -Infinity : Number(row.newest);
	return { shipped: expected.length, pending: expected.filter((m) => m.folderMillis > newest).length };
}
