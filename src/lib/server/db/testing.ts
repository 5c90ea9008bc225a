/**
 * Databases for tests: an in-memory PGlite, and a fresh database on the real PostgreSQL at
 * 127.0.0.1:5432 (override with EXOSTACK_TEST_POSTGRES_URL; set it to `off` to run PGlite only).
 * Each call gets its own empty, migrated database, dropped again by `close()`.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from './index';

export type TestDbKind = 'pglite' | 'postgres';

const serverUrl = process.env.EXOSTACK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_DB_KINDS: TestDbKind[] = serverUrl === 'off' ? ['pglite'] : ['pglite', 'postgres'];

export async function openTestDatabase(kind: TestDbKind): Promise<Database> {
	if (kind === 'pglite') return openDatabase({ dataDir: 'memory://' });
	const name = `exostack_test_${process.pid}_${randomBytes(4).toString('hex')}`;
	const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database ${name}`);
	await admin.end();
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	const database = await openDatabase({ url: url.toString() });
	return {
		...database,
		url: url.toString(),
		async close() {
			await database.close();
			const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
			await again.unsafe(`drop database if exists ${name} with (force)`);
			await again.end();
		}
	};
}

/** The PostgreSQL server URL tests create databases on, for tests that start hub processes. */
export function testServerUrl(): string | null {
	return serverUrl === 'off' ? null : serverUrl;
}
