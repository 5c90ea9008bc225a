/** A fresh database on the test PostgreSQL server for end-to-end tests that run hub processes on it. */
import { emptyPostgresDatabase, type EmptyPostgresDatabase } from '../../src/lib/server/db/testing';

export function freshDatabase(): Promise<EmptyPostgresDatabase | null> {
	return emptyPostgresDatabase('exostack_e2e');
}
