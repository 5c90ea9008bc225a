/**
 * Attacks through webhooks and Idempotency-Key, on a hub with the default rules (https only, no private
 * addresses): making the hub probe its own network (SSRF, by literal address or by a name that resolves
 * to one), reading or deleting another submitter's webhook or learning its secret, oversized and malformed
 * registrations, and hostile Idempotency-Keys. Each refusal must leave the database as it was.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';

const database = await freshDatabase();
let hub: HubProcess;
let sql: postgres.Sql | undefined;

function as(token: string | null, pathname: string, init: RequestInit & { json?: unknown } = {}) {
	const headers = new Headers(init.headers);
	if (token) headers.set('authorization', `Bearer ${token}`);
	if (init.json !== undefined) headers.set('content-type', 'application/json');
	return fetch(`${hub.url}${pathname}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

async function mint(name: string): Promise<string> {
	const res = await api(hub, '/api/keys', { method: 'POST', json: { name } });
	expect(res.status).toBe(201);
	return (await res.json()).key;
}

const webhookCount = async () => (sql ? Number((await sql`select count(*) from webhooks`)[0].count) : null);

beforeAll(async () => {
	// The default rules: allowing private addresses would switch off the very guard under attack.
	hub = await startHubProcess({ databaseUrl: database?.url });
	if (database) sql = postgres(database.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
	await sql?.end();
	await hub?.stop();
	await database?.drop();
});

describe('webhook registration', () => {
	it.each([
		'https://127.0.0.1/hook',
		'https://169.254.169.254/latest/meta-data/',
		'https://[::1]:8443/',
		'https://10.0.0.5/',
		'https://192.168.0.1/',
		'https://[::ffff:127.0.0.1]/',
		'https://[fd00::1]/',
		'https://localhost/hook',
		'https://0.0.0.0/'
	])('refuses %s: the hub will not reach its own network', async (url) => {
		const key = await mint('ssrf');
		const before = await webhookCount();
		const res = await as(key, '/api/webhooks', { method: 'POST', json: { url, events: ['job.completed'] } });
		expect(res.status).toBe(400);
		expect((await res.json()).error).toMatch(/may not reach|does not resolve/);
		expect(await webhookCount()).toBe(before);
	});

	it('refuses http://, credentials in the URL, unknown events, repeated events, oversized and malformed bodies', async () => {
		const key = await mint('malformed');
		const before = await webhookCount();
		const cases: [unknown, RegExp][] = [
			[{ url: 'http://93.184.215.14/', events: ['job.completed'] }, /https/],
			[{ url: 'https://user:pw@93.184.215.14/', events: ['job.completed'] }, /user name/],
			[{ url: 'https://93.184.215.14/', events: ['job.deleted'] }, /events/],
			[{ url: 'https://93.184.215.14/', events: [] }, /events/],
			[{ url: 'https://93.184.215.14/', events: ['job.failed', 'job.failed'] }, /at most once/],
			[{ url: `https://93.184.215.14/${'a'.repeat(3000)}`, events: ['job.failed'] }, /url/],
			[{ url: 'https://93.184.215.14/', events: ['job.failed'], secret: 'mine' }, /secret/],
			[{ url: 42, events: 'job.failed' }, /url/]
		];
		for (const [json, message] of cases) {
			const res = await as(key, '/api/webhooks', { method: 'POST', json });
			expect(res.status, JSON.stringify(json)).toBe(400);
			expect((await res.json()).error).toMatch(message);
		}
		const huge = await as(key, '/api/webhooks', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ url: 'https://93.184.215.14/', events: ['job.failed'], pad: 'x'.repeat(100_000) })
		});
		expect(huge.status).toBe(413);
		const broken = await as(key, '/api/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":' });
		expect(broken.status).toBe(400);
		expect(await webhookCount()).toBe(before);
	});

	it('answers anonymous callers with 401', async () => {
		expect((await as(null, '/api/webhooks')).status).toBe(401);
		expect(
			(await as(null, '/api/webhooks', { method: 'POST', json: { url: 'https://93.184.215.14/', events: ['job.failed'] } })).status
		).toBe(401);
		expect((await as(null, '/api/webhooks/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(401);
	});
});

describe.skipIf(!database)('another submitter’s webhook', () => {
	it('is neither listed nor deletable, and no list shows a secret', async () => {
		const alice = await mint('alice');
		const mallory = await mint('mallory');
		expect(await (await as(alice, '/api/webhooks')).json()).toEqual([]);
		// A public address the hub would accept, stored directly: this hub has no route to a public receiver.
		const keyRow = await sql!`select id from api_keys where name = 'alice' order by created_at desc limit 1`;
		const [hook] =
			await sql!`insert into webhooks (key_id, url, secret, events) values (${keyRow[0].id}, 'https://93.184.215.14/hook', 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', ${['job.failed']}) returning id`;
		const listed = await (await as(alice, '/api/webhooks')).json();
		expect(listed.map((w: { id: string }) => w.id)).toEqual([hook.id]);
		expect(JSON.stringify(listed)).not.toContain('whsec_');
		expect(await (await as(mallory, '/api/webhooks')).json()).toEqual([]);
		const stolen = await as(mallory, `/api/webhooks/${hook.id}`, { method: 'DELETE' });
		expect(stolen.status).toBe(404);
		const [row] = await sql!`select disabled_at from webhooks where id = ${hook.id}`;
		expect(row.disabled_at).toBeNull();
		expect((await as(alice, `/api/webhooks/${hook.id}`, { method: 'DELETE' })).status).toBe(200);
		expect((await as(alice, `/api/webhooks/${hook.id}`, { method: 'DELETE' })).status).toBe(404);
	});
});

describe('Idempotency-Key', () => {
	const submission = { task_type: 'embedding', model: 'demo-embedding', input: ['idempotent'] };
	it.each([
		['too long', 'k'.repeat(256)],
		['with a space', 'a b'],
		['non-ASCII', 'caf\u00e9']
	])('refuses a key %s with 400, creating nothing', async (_, idempotencyKey) => {
		const key = await mint('idem');
		const res = await as(key, '/api/jobs', { method: 'POST', headers: { 'idempotency-key': idempotencyKey }, json: submission });
		expect(res.status).toBe(400);
		expect((await res.json()).error).toMatch(/Idempotency-Key/);
		expect(await (await as(key, '/api/jobs')).json()).toEqual([]);
	});

	it('is the caller’s own: another submitter reusing it gets its own job, and never sees the first', async () => {
		const alice = await mint('alice-idem');
		const mallory = await mint('mallory-idem');
		const first = await (
			await as(alice, '/api/jobs', { method: 'POST', headers: { 'idempotency-key': 'shared' }, json: submission })
		).json();
		const other = await as(mallory, '/api/jobs', { method: 'POST', headers: { 'idempotency-key': 'shared' }, json: submission });
		expect(other.status).toBe(201);
		expect((await other.json()).job_id).not.toBe(first.job_id);
		const probe = await as(mallory, '/api/jobs', {
			method: 'POST',
			headers: { 'idempotency-key': 'shared' },
			json: { ...submission, input: ['a different body'] }
		});
		expect(probe.status).toBe(422);
	});
});
