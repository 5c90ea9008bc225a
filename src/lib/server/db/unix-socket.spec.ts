/**
 * A PostgreSQL on the hub's machine can be reached through its Unix socket, as libpq spells it: a `host`
 * query parameter naming the socket's directory (db/index.ts, socketOf).
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, socketOf, type Database } from './index';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from './testing';
import { rowsOf } from './rows';

/** Where Debian's PostgreSQL puts its socket (the test server's, on this machine and in CI). */
const SOCKET_DIR = '/var/run/postgresql';

describe('socketOf', () => {
	it('moves a socket directory out of the URL, and leaves every other URL as it is', () => {
		expect(socketOf('postgres://u@localhost:5432/exo?host=/var/run/postgresql&sslmode=disable')).toEqual({
			url: 'postgres://u@localhost:5432/exo?sslmode=disable',
			host: '/var/run/postgresql'
		});
		expect(socketOf('postgres://u@db.example:5432/exo?host=replica')).toEqual({ url: 'postgres://u@db.example:5432/exo?host=replica' });
		expect(socketOf('postgres://u@localhost/exo')).toEqual({ url: 'postgres://u@localhost/exo' });
		// Several hosts, which postgres-js takes and WHATWG's URL parser refuses, go through untouched.
		expect(socketOf('postgres://u@h1:5432,h2:5432/exo')).toEqual({ url: 'postgres://u@h1:5432,h2:5432/exo' });
	});
});

describe.skipIf(testServerUrl() === null || !existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`))(
	'a hub on PostgreSQL through its Unix socket',
	() => {
		let empty: EmptyPostgresDatabase | null = null;
		let database: Database | null = null;
		afterEach(async () => {
			await database?.close();
			await empty?.drop();
		});

		it('connects over the socket, not TCP, and keeps the URL it was given', async () => {
			empty = await emptyPostgresDatabase();
			const url = `${empty!.url}?host=${SOCKET_DIR}`;
			database = await openDatabase({ url, poolSize: 1 });
			// Over a Unix socket PostgreSQL has no client address; over TCP it would be 127.0.0.1.
			const [row] = rowsOf<{ addr: string | null }>(await database.db.execute(sql`select inet_client_addr()::text as addr`));
			expect(row.addr).toBeNull();
			expect(database.url).toBe(url);
		});
	}
);
