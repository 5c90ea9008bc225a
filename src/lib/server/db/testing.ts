/**
 * Databases for tests: an in-memory PGlite, and a fresh database on the real PostgreSQL at
 * 127.0.0.1:5432 (override with EXOSTACK_TEST_POSTGRES_URL; set it to `off` to run PGlite only).
 * Each call gets its own empty, migrated database, dropped again by `close()`.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, socketOf, type Database } from './index';

export type TestDbKind = 'pglite' | 'postgres';

const serverUrl = process.env.EXOSTACK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_DB_KINDS: TestDbKind[] = serverUrl === 'off' ? ['pglite'] : ['pglite', 'postgres'];

export interface EmptyPostgresDatabase {
	url: string;
	drop(): Promise<void>;
}

/**
 * A new database on the test PostgreSQL server with nothing in it, not even migrations (hubs that share it
 * apply them, as hub processes do), and a way to drop it; null when PostgreSQL is off.
 */
export async function emptyPostgresDatabase(prefix = 'exostack_test'): Promise<EmptyPostgresDatabase | null> {
	if (serverUrl === 'off') return null;
	const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
	const admin = adminOf(serverUrl);
	await admin.unsafe(`create database ${name}`);
	await admin.end();
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		async drop() {
			const again = adminOf(serverUrl);
			await again.unsafe(`drop database if exists ${name} with (force)`);
			await again.end();
		}
	};
}

export async function openTestDatabase(kind: TestDbKind, options: { poolSize?: number } = {}): Promise<Database> {
	if (kind === 'pglite') return openDatabase({ dataDir: 'memory://' });
	const empty = await emptyPostgresDatabase();
	if (!empty) throw new Error('PostgreSQL is off for tests (EXOSTACK_TEST_POSTGRES_URL=off)');
	const database = await openDatabase({ url: empty.url, poolSize: options.poolSize });
	return {
		...database,
		async close() {
			await database.close();
			await empty.drop();
		}
	};
}

/** The PostgreSQL server URL tests create databases on, for tests that start hub processes. */
export function testServerUrl(): string | null {
	return serverUrl === 'off' ? null : serverUrl;
}

/** A one-connection client of the test server, which may be named by its Unix socket (`?host=/dir`, socketOf). */
function adminOf(url: string) {
	const { url: tcpless, host } = socketOf(url);
	return postgres(tcpless, { max: 1, onnotice: () => {}, ...(host && { host }) });
}
