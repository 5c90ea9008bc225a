/** A fresh database on the test PostgreSQL server for end-to-end tests that run hub processes on it. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { testServerUrl } from '../../src/lib/server/db/testing';

export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
	const server = testServerUrl();
	if (!server) return null;
	const name = `exostack_e2e_${randomBytes(4).toString('hex')}`;
	const admin = postgres(server, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database ${name}`);
	await admin.end();
	const url = new URL(server);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		async drop() {
			const again = postgres(server, { max: 1, onnotice: () => {} });
			await again.unsafe(`drop database if exists ${name} with (force)`);
			await again.end();
		}
	};
}
