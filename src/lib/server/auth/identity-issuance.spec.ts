import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import type { Database } from '../db';
import { drawFromWindow } from './identity-issuance';

describe.each(TEST_DB_KINDS)('the issuance window on %s', (kind) => {
	let database: Database;
	beforeAll(async () => {
		database = await openTestDatabase(kind);
	});
	afterAll(() => database?.close());

	it('allows `limit` draws per key and window, even concurrently, then says when the window ends', async () => {
		const hour = 3_600_000;
		const now = 10 * hour + 600_000;
		const draws = await Promise.all(Array.from({ length: 12 }, () => drawFromWindow(database.db, 'net-a', 5, hour, now)));
		expect(draws.filter((d) => d.ok)).toHaveLength(5);
		expect(draws.find((d) => !d.ok)).toEqual({ ok: false, retryAfterMs: hour - 600_000 });
		expect(await drawFromWindow(database.db, 'net-b', 5, hour, now)).toEqual({ ok: true });
		expect(await drawFromWindow(database.db, 'net-a', 5, hour, now + hour)).toEqual({ ok: true });
	});
});
