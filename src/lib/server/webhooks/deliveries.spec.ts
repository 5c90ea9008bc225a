import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { jobs, webhookDeliveries } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { claimFor, completeAs, makeJob, seedModel, seedVolunteers, seededDatabase } from '../scheduler/testing';
import { finishJobIfDone } from '../scheduler/finish-job';
import { mintKey, revokeKey } from '../auth/api-keys';
import { ADMIN, type Principal } from '../auth/principal';
import { log } from '../log';
import { createWebhook, disableWebhook, listWebhooks, MAX_WEBHOOKS_PER_OWNER } from './webhook-queries';
import { claimDueDeliveries } from './deliveries';
import { startDeliveryWorker } from './delivery-worker';

const open = { allowHttp: true, allowPrivate: true };

/** A real HTTP receiver that verifies every delivery with standardwebhooks and answers with `answers` in turn (then 200). */
function receiver() {
	const got: { id: string; verified: unknown; error?: string }[] = [];
	const answers: number[] = [];
	const secrets = new Map<string, string>();
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			const id = String(req.headers['webhook-id']);
			try {
				const secret = secrets.get(req.url ?? '') ?? '';
				got.push({ id, verified: new Webhook(secret).verify(body, req.headers as Record<string, string>) });
			} catch (e) {
				got.push({ id, verified: null, error: (e as Error).message });
			}
			res.statusCode = answers.shift() ?? 200;
			res.end('ignored');
		});
	});
	return { server, got, answers, secrets, url: (p: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${p}` };
}

describe.each(TEST_DB_KINDS)('webhook deliveries on %s', (kind) => {
	let db: Db;
	const r = receiver();
	beforeAll(() => new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done)));
	afterAll(() => new Promise((done) => r.server.close(done)));
	seededDatabase(
		kind,
		async (d) => {
			await d.execute(sql`truncate webhook_deliveries, webhooks, idempotency_keys, api_keys, audit_log cascade`);
			await seedModel(d);
			await seedVolunteers(d, ['v1', 'v2', 'v3']);
		},
		(opened) => (db = opened)
	);

	async function keyPrincipal(): Promise<Principal> {
		const key = await mintKey(db, { name: 'k' });
		return { kind: 'key', id: key.id, quotas: { jobsPerDay: 10, inputsPerDay: 10 } };
	}

	async function hook(p: Principal, path: string, events: ('job.completed' | 'job.failed')[] = ['job.completed', 'job.failed']) {
		const created = (await createWebhook(db, p, r.url(path), events))!;
		r.secrets.set(path, created.secret);
		return created;
	}

	async function completedJob(owner: string | null) {
		const { id } = await makeJob(db, 2);
		await db.update(jobs).set({ ownerKeyId: owner }).where(eq(jobs.id, id));
		const [t] = await claimFor(db, 'v1');
		await completeAs(db, t, 'v1');
		expect(await finishJobIfDone(db, id)).toBe('completed');
		return id;
	}

	async function failedJob(owner: string | null) {
		const { id } = await makeJob(db, 2);
		await db.update(jobs).set({ ownerKeyId: owner }).where(eq(jobs.id, id));
		await db.execute(sql`update tasks set state = 'dead' where job_id = ${id}`);
		expect(await finishJobIfDone(db, id)).toBe('failed');
		return id;
	}

	it('queues an event with the job’s final status, only for its owner’s webhooks subscribed to it', async () => {
		const alice = await keyPrincipal();
		const bob = await keyPrincipal();
		const aliceHook = await hook(alice, '/alice');
		await hook(bob, '/bob');
		await hook(alice, '/alice-failures', ['job.failed']);
		const jobId = await completedJob(alice.kind === 'key' ? alice.id : null);
		const rows = await db.select().from(webhookDeliveries);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ webhookId: aliceHook.id, event: 'job.completed', attempts: 0, deliveredAt: null });
		expect(rows[0].id).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(rows[0].payload).toMatchObject({ type: 'job.completed', data: { job_id: jobId, status: 'completed', model: 'm', inputs: 2 } });
		expect(Date.parse(String(rows[0].payload.timestamp))).not.toBeNaN();
		// Finishing again changes nothing, so nothing is queued twice.
		expect(await finishJobIfDone(db, jobId)).toBeNull();
		expect(await db.select().from(webhookDeliveries)).toHaveLength(1);
	});

	it('queues job.failed for a failed job, and the admin’s webhooks hear of the admin’s jobs only', async () => {
		const alice = await keyPrincipal();
		const adminHook = await hook(ADMIN, '/admin');
		await hook(alice, '/alice');
		const jobId = await failedJob(null);
		const rows = await db.select().from(webhookDeliveries);
		expect(rows.map((d) => [d.webhookId, d.event, (d.payload.data as { job_id: string }).job_id])).toEqual([
			[adminHook.id, 'job.failed', jobId]
		]);
	});

	it('queues nothing for the webhooks of a revoked key', async () => {
		const alice = await keyPrincipal();
		await hook(alice, '/revoked');
		await revokeKey(db, (alice as { id: string }).id);
		await completedJob((alice as { id: string }).id);
		expect(await db.select().from(webhookDeliveries)).toEqual([]);
	});

	it('delivers signed events that standardwebhooks verifies, retrying a receiver that fails until it answers 2xx', async () => {
		r.got.length = 0;
		await hook(ADMIN, '/flaky');
		const jobId = await completedJob(null);
		r.answers.push(500, 500);
		const worker = startDeliveryWorker({ db, rules: open, backoffMs: 1, log });
		try {
			for (let i = 0; i < 3; i++) {
				await db.execute(sql`update webhook_deliveries set next_attempt_at = now() where delivered_at is null`);
				await worker.tick();
			}
		} finally {
			worker.stop();
		}
		expect(r.got).toHaveLength(3);
		expect(new Set(r.got.map((g) => g.id)).size).toBe(1);
		for (const g of r.got) expect(g.verified).toMatchObject({ type: 'job.completed', data: { job_id: jobId } });
		const [row] = await db.select().from(webhookDeliveries);
		expect(row.attempts).toBe(3);
		expect(row.deliveredAt).not.toBeNull();
		expect(await claimDueDeliveries(db, 10)).toEqual([]);
	});

	it('refuses at delivery time an address the rules forbid, and schedules a retry', async () => {
		r.got.length = 0;
		await hook(ADMIN, '/private');
		await completedJob(null);
		const worker = startDeliveryWorker({ db, rules: { allowHttp: true, allowPrivate: false }, backoffMs: 60_000, log });
		await worker.tick();
		worker.stop();
		expect(r.got).toHaveLength(0);
		const [row] = await db.select().from(webhookDeliveries);
		expect(row).toMatchObject({ attempts: 1, deliveredAt: null, failedAt: null });
		expect(row.lastError).toMatch(/refused: .*loopback/);
		expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
	});

	it('gives up on a delivery whose webhook was deleted, and never claims one twice', async () => {
		const created = await hook(ADMIN, '/gone');
		await completedJob(null);
		await completedJob(null);
		const [first, second] = await Promise.all([claimDueDeliveries(db, 1), claimDueDeliveries(db, 1)]);
		expect([...first, ...second].map((d) => d.id).sort()).toHaveLength(new Set([...first, ...second].map((d) => d.id)).size);
		expect(await claimDueDeliveries(db, 10)).toHaveLength(2 - first.length - second.length);
		expect(await disableWebhook(db, ADMIN, created.id)).toBe(true);
		await db.execute(sql`update webhook_deliveries set next_attempt_at = now()`);
		expect(await claimDueDeliveries(db, 10)).toEqual([]);
		const rows = await db.select().from(webhookDeliveries);
		expect(rows.every((d) => d.failedAt !== null && d.lastError === 'the webhook was deleted')).toBe(true);
	});

	it('scopes webhooks to their owner, caps them per owner, and lists no secrets', async () => {
		const alice = await keyPrincipal();
		const bob = await keyPrincipal();
		const a = await hook(alice, '/a');
		expect(await listWebhooks(db, bob)).toEqual([]);
		expect(await disableWebhook(db, bob, a.id)).toBe(false);
		expect((await listWebhooks(db, ADMIN)).map((w) => w.id)).toEqual([a.id]);
		expect(JSON.stringify(await listWebhooks(db, alice))).not.toContain('whsec_');
		for (let i = 1; i < MAX_WEBHOOKS_PER_OWNER; i++) await hook(alice, `/a${i}`);
		expect(await createWebhook(db, alice, r.url('/over'), ['job.failed'])).toBeNull();
		expect(await disableWebhook(db, alice, a.id)).toBe(true);
		expect(await createWebhook(db, alice, r.url('/again'), ['job.failed'])).not.toBeNull();
	});
});
