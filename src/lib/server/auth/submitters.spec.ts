import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { apiKeys, models } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import { seedModel, seededDatabase } from '../scheduler/testing';
import { createJob } from '../scheduler/create-job';
import { saveModel } from '../models/model-queries';
import { findLiveKey, hashKey, listKeys, mintKey, revokeKey } from './api-keys';
import { authenticate, type Credentials } from './authenticate';
import { canAccessJob } from './job-access';
import { checkQuota } from './key-quota';
import { ADMIN, type Principal } from './principal';

const ADMIN_TOKEN = 'exo_admin_token_0123456789';

describe.each(TEST_DB_KINDS)('submitters on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await d.execute(sql`truncate api_keys, audit_log cascade`);
			await seedModel(d);
		},
		(opened) => (db = opened)
	);
	const credentials = (): Credentials => ({ db, adminToken: ADMIN_TOKEN, defaultQuotas: { jobsPerDay: 2, inputsPerDay: 10 } });
	const job = (owner: string | null, inputs = 1) =>
		createJob(db, {
			taskType: 'embedding',
			modelId: 'm',
			inputs: Array.from({ length: inputs }, (_, i) => `x${i}`),
			priority: 'normal',
			params: {},
			chunkSize: 8,
			replication: 1,
			ownerKeyId: owner
		});

	it('keeps only a hash of a minted key, finds it by the key, and never again once revoked', async () => {
		const minted = await mintKey(db, { name: 'lab' });
		expect(minted.key).toMatch(/^exok_[\w-]{43}$/);
		expect(minted.key.startsWith(minted.prefix)).toBe(true);
		const [row] = await db.select().from(apiKeys);
		expect(row.keyHash).toBe(hashKey(minted.key));
		expect(JSON.stringify(row)).not.toContain(minted.key);
		expect((await findLiveKey(db, minted.key))?.id).toBe(minted.id);
		// One character changed (a key ending in A, one in 64, made 'A' no change at all: CI saw it once).
		const altered = minted.key.slice(0, -1) + (minted.key.endsWith('A') ? 'B' : 'A');
		expect(await findLiveKey(db, altered)).toBeNull();
		expect(await findLiveKey(db, ADMIN_TOKEN)).toBeNull();
		const [listed] = await listKeys(db);
		expect(listed).not.toHaveProperty('keyHash');
		expect(listed.lastUsedAt).not.toBeNull();
		expect(await revokeKey(db, minted.id)).toBe(true);
		expect(await revokeKey(db, minted.id)).toBe(false);
		expect(await findLiveKey(db, minted.key)).toBeNull();
	});

	it('names the admin by the admin token and a key by its own, with the default quotas unless the key has its own', async () => {
		const plain = await mintKey(db, { name: 'plain' });
		const own = await mintKey(db, { name: 'own', jobsPerDay: 7 });
		expect(await authenticate(credentials(), ADMIN_TOKEN)).toEqual(ADMIN);
		expect(await authenticate(credentials(), plain.key)).toEqual({
			kind: 'key',
			id: plain.id,
			quotas: { jobsPerDay: 2, inputsPerDay: 10 }
		});
		expect(await authenticate(credentials(), own.key)).toMatchObject({ quotas: { jobsPerDay: 7, inputsPerDay: 10 } });
		expect(await authenticate(credentials(), `${ADMIN_TOKEN}x`)).toBeNull();
	});

	it('lets a key see its own jobs only, and the admin every job', async () => {
		const a = await mintKey(db, { name: 'a' });
		const b = await mintKey(db, { name: 'b' });
		const asKey = async (k: { key: string }) => (await authenticate(credentials(), k.key)) as Principal;
		const { id: mine } = await job(a.id);
		const { id: admins } = await job(null);
		expect(await canAccessJob(db, await asKey(a), mine)).toBe(true);
		expect(await canAccessJob(db, await asKey(b), mine)).toBe(false);
		expect(await canAccessJob(db, await asKey(a), admins)).toBe(false);
		expect(await canAccessJob(db, ADMIN, mine)).toBe(true);
		expect(await canAccessJob(db, ADMIN, '00000000-0000-4000-8000-000000000000')).toBe(false);
		expect(await canAccessJob(db, null, mine)).toBe(false);
	});

	it('refuses a key past its jobs or inputs of the last day, counting only its own jobs, with a Retry-After within the day', async () => {
		const a = await mintKey(db, { name: 'a' });
		const p = (await authenticate(credentials(), a.key)) as Principal;
		await job(null, 50); // the admin's jobs count for nobody
		expect(await checkQuota(db, p, 1)).toEqual({ ok: true });
		await job(a.id, 4);
		expect(await checkQuota(db, p, 7)).toMatchObject({ ok: false, error: expect.stringMatching(/10 inputs a day/) });
		expect(await checkQuota(db, p, 11)).toMatchObject({ ok: false, error: expect.stringMatching(/this job's 11 inputs exceed/) });
		await job(a.id, 1);
		const refused = await checkQuota(db, p, 1);
		expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/2 jobs a day/) });
		if (!refused.ok) expect(refused.retryAfterSeconds).toBeGreaterThan(86_000);
		// A day later the window has moved on.
		await db.execute(sql`update jobs set created_at = now() - interval '25 hours'`);
		expect(await checkQuota(db, p, 10)).toEqual({ ok: true });
		expect(await checkQuota(db, ADMIN, 1_000_000)).toEqual({ ok: true });
	});

	it('keeps a model a job used: other files under its id are refused, the same files are a no-op', async () => {
		const manifest = { id: 'm', taskTypes: ['embedding' as const], files: [{ path: 'onnx/model.onnx', sha256: 'a'.repeat(64), size: 1 }] };
		const other = { ...manifest, files: [{ path: 'onnx/model.onnx', sha256: 'b'.repeat(64), size: 2 }] };
		expect(await saveModel(db, other, 'import')).toBe('saved');
		await saveModel(db, manifest, 'import');
		await job(null);
		expect(await saveModel(db, other, 'import')).toBe('in-use');
		expect(await saveModel(db, manifest, 'import')).toBe('saved');
		const [row] = await db.select({ files: models.files }).from(models).where(eq(models.id, 'm'));
		expect(row.files[0].sha256).toBe('a'.repeat(64));
	});
});
