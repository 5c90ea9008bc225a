import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findMigrations } from '../db/migrations-folder';

/**
 * What the start-up log says of the schema: the database was migrated to the committed journal (openDatabase
 * applies every entry or fails), so its length and last tag name the schema this hub runs on.
 */
export function migrationsApplied(folder = findMigrations()): { migrations: number; schema: string | null } {
	const journal = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
	return { migrations: journal.entries.length, schema: journal.entries.at(-1)?.tag ?? null };
}
