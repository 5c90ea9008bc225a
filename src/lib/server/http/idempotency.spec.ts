import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { idempotencyKeys, jobs } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { makeJob, seedModel, seededDatabase } from '../scheduler/testing';
import { ADMIN, type Principal } from '../auth/principal';
import { mintKey } from '../auth/api-keys';
import { ApiError } from './api';
import { idempotencyKeyOf, idempotent, MAX_IDEMPOTENCY_KEY_CHARS, type Created, type IdempotentOutcome } from './idempotency';

const withKey = (key?: string) =>
	new Request('http://hub/api/jobs', { method: 'POST', headers: key === undefined ? {} : { 'idempotency-key': key } });

describe('idempotencyKeyOf', () => {
	it('reads the header, and refuses an empty, overlong or non-ASCII key with a 400', () => {
		expect(idempotencyKeyOf(withKey())).toBeNull();
		expect(idempotencyKeyOf(withKey('retry-1'))).toBe('retry-1');
		expect(idempotencyKeyOf(withKey('k'.repeat(MAX_IDEMPOTENCY_KEY_CHARS)))).toHaveLength(MAX_IDEMPOTENCY_KEY_CHARS);
		for (const bad of ['k'.repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1), 'a b', '\u00e9t\u00e9'])
			expect(() => idempotencyKeyOf(withKey(bad))).toThrow(ApiError);
	});
});

describe.each(TEST_DB_KINDS)('idempotent on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await d.execute(sql`truncate idempotency_keys, api_keys cascade`);
			await seedModel(d);
		},
		(opened) => (db = opened)
	);

	type Refused = { ok: false; status: 429 };
	const create = (d: Db): Promise<Created<Refused>> => makeJob(d, 1).then((j) => ({ ok: true as const, id: j.id }));
	const idOf = (o: IdempotentOutcome<Refused>) => (o.ok ? o.id : null);
	const jobCount = async () => (await db.select().from(jobs)).length;

	it('returns the first job for a retry with the same key and body, creating only one', async () => {
		const first = await idempotent(db, ADMIN, 'k1', { input: 'a' }, create);
		const again = await idempotent(db, ADMIN, 'k1', { input: 'a' }, create);
		expect(first).toMatchObject({ replayed: false });
		expect(again).toMatchObject({ replayed: true, status: 'queued' });
		expect(idOf(again)).toBe(idOf(first));
		expect(await jobCount()).toBe(1);
	});

	it('refuses the same key with another body with a 422, creating nothing', async () => {
		await idempotent(db, ADMIN, 'k1', { input: 'a' }, create);
		const refused = await idempotent(db, ADMIN, 'k1', { input: 'b' }, create).catch((e: ApiError) => e);
		expect(refused).toBeInstanceOf(ApiError);
		expect((refused as ApiError).status).toBe(422);
		expect(await jobCount()).toBe(1);
	});

	it('creates one job however many retries race', async () => {
		const outcomes = await Promise.all(Array.from({ length: 6 }, () => idempotent(db, ADMIN, 'race', { input: 'a' }, create)));
		expect(new Set(outcomes.map(idOf)).size).toBe(1);
		expect(outcomes.filter((o) => o.ok && !o.replayed)).toHaveLength(1);
		expect(await jobCount()).toBe(1);
	});

	it('scopes keys to their principal, creates every time without a key, and forgets a key after 24 h', async () => {
		const key = await mintKey(db, { name: 'k' });
		const submitter: Principal = { kind: 'key', id: key.id, quotas: { jobsPerDay: 10, inputsPerDay: 10 } };
		const a = await idempotent(db, ADMIN, 'same', { input: 'a' }, create);
		const b = await idempotent(db, submitter, 'same', { input: 'a' }, create);
		expect(idOf(a)).not.toBe(idOf(b));
		await idempotent(db, ADMIN, null, { input: 'a' }, create);
		await idempotent(db, ADMIN, null, { input: 'a' }, create);
		expect(await jobCount()).toBe(4);
		await db.update(idempotencyKeys).set({ createdAt: sql`now() - interval '25 hours'` });
		expect(await idempotent(db, ADMIN, 'same', { input: 'other' }, create)).toMatchObject({ replayed: false });
		expect(await jobCount()).toBe(5);
	});

	it('stores no key when creating fails or is refused, so the client may retry', async () => {
		await expect(
			idempotent(db, ADMIN, 'k2', { input: 'a' }, async (d) => {
				await create(d);
				throw new ApiError(404, 'unknown model');
			})
		).rejects.toThrow('unknown model');
		const refused = await idempotent(db, ADMIN, 'k2', { input: 'a' }, async (): Promise<Created<Refused>> => ({ ok: false, status: 429 }));
		expect(refused).toEqual({ ok: false, status: 429 });
		expect(await jobCount()).toBe(0);
		expect(await db.select().from(idempotencyKeys)).toEqual([]);
		expect(await idempotent(db, ADMIN, 'k2', { input: 'a' }, create)).toMatchObject({ replayed: false });
	});
});
