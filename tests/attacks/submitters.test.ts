/**
 * Attacks by one submitter on another, and by anyone on what the hub says about its volunteers:
 * reading, exporting or cancelling someone else's job with one's own key, using a revoked key,
 * flooding the queue past a key's quota, replacing a model that jobs already ran on, and learning from
 * the public node list when a volunteer's owner is away from the keyboard or on battery. Also what the
 * operator relies on: keys stored only as hashes, and admin actions in an audit log without secrets.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';
import { DASHBOARD_NAMESPACE } from '../../src/lib/protocol/events';

const database = await freshDatabase();
const JOBS_PER_DAY = 3;

let hub: HubProcess;
let sql: postgres.Sql;

interface Minted {
	id: string;
	key: string;
	prefix: string;
}

/** A fetch as the holder of `token` (none: anonymous). */
function as(token: string | null, pathname: string, init: RequestInit & { json?: unknown } = {}) {
	const headers = new Headers(init.headers);
	if (token) headers.set('authorization', `Bearer ${token}`);
	if (init.json !== undefined) headers.set('content-type', 'application/json');
	return fetch(`${hub.url}${pathname}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

async function mint(name: string, quotas?: Record<string, number>): Promise<Minted> {
	const res = await api(hub, '/api/keys', { method: 'POST', json: { name, ...(quotas ? { quotas } : {}) } });
	expect(res.status, await res.clone().text()).toBe(201);
	return (await res.json()) as Minted;
}

/** A raw Socket.IO client on the dashboard namespace, as any web page could open one; `token` goes in the handshake. */
async function dashboardSocket(token: string | null): Promise<Socket> {
	const socket = io(`${hub.url}${DASHBOARD_NAMESPACE}`, { transports: ['websocket'], auth: token ? { token } : {}, reconnection: false });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', () => resolve());
		socket.once('connect_error', reject);
	});
	return socket;
}

async function submitAs(token: string, input: string[] = ['a secret input']) {
	return as(token, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'demo-embedding', input } });
}

beforeAll(async () => {
	hub = await startHubProcess({
		databaseUrl: database?.url,
		env: { EXOSTACK_KEY_JOBS_PER_DAY: String(JOBS_PER_DAY), EXOSTACK_KEY_INPUTS_PER_DAY: '1000' }
	});
	if (database) sql = postgres(database.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
	await sql?.end();
	await hub?.stop();
	await database?.drop();
});

describe('one submitter against another', () => {
	it("cannot read, export, list or cancel another key's job: it does not exist for them", async () => {
		const alice = await mint('alice');
		const mallory = await mint('mallory');
		const submitted = await submitAs(alice.key, ['alice private text']);
		expect(submitted.status).toBe(201);
		const { job_id: id } = (await submitted.json()) as { job_id: string };
		const missing = '00000000-0000-4000-8000-000000000000';

		for (const [p, init] of [
			[`/api/jobs/${id}`, {}],
			[`/tasks/${id}/status`, {}],
			[`/api/jobs/${id}/tasks`, {}],
			[`/api/jobs/${id}/results?format=jsonl`, {}],
			[`/api/jobs/${id}/results?format=csv`, {}],
			[`/api/jobs/${id}/cancel`, { method: 'POST' }]
		] as const) {
			const stolen = await as(mallory.key, p, init);
			const nothing = await as(mallory.key, p.replace(id, missing), init);
			// The same answer as for a job that does not exist: a stranger learns nothing, not even that it exists.
			expect(stolen.status, p).toBe(404);
			expect(await stolen.text(), p).not.toContain('alice private text');
			expect(nothing.status, p).toBe(404);
			// Nobody without a key reads it either.
			expect((await as(null, p, init)).status, p).toBe(401);
		}
		const listed = (await (await as(mallory.key, '/api/jobs')).json()) as { job_id: string }[];
		expect(listed.map((j) => j.job_id)).not.toContain(id);
		expect((await as(null, '/api/jobs')).status).toBe(401);

		// Its owner and the admin still can; the job was not cancelled by the attempts above.
		const own = await as(alice.key, `/api/jobs/${id}`);
		expect(own.status).toBe(200);
		expect(((await own.json()) as { status: string }).status).not.toBe('cancelled');
		expect((await as(alice.key, '/api/jobs')).ok).toBe(true);
		expect(((await (await as(alice.key, '/api/jobs')).json()) as { job_id: string }[]).map((j) => j.job_id)).toEqual([id]);
		expect((await api(hub, `/api/jobs/${id}/tasks`)).status).toBe(200);
		expect((await as(alice.key, `/api/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
	});

	it("cannot watch another key's job live (progress and generated text) on the dashboard namespace", async () => {
		const alice = await mint('alice-live');
		const mallory = await mint('mallory-live');
		const { job_id: id } = (await (await submitAs(alice.key)).json()) as { job_id: string };
		for (const token of [mallory.key, null, 'exok_made_up']) {
			const socket = await dashboardSocket(token);
			const heard: unknown[] = [];
			socket.onAny((event, ...args) => heard.push([event, ...args]));
			const reply = (await socket.timeout(5000).emitWithAck('job:watch', { jobId: id })) as { ok: boolean; error?: string };
			expect(reply.ok, String(token)).toBe(false);
			expect(reply.error).toMatch(/no job/);
			await new Promise((r) => setTimeout(r, 300));
			expect(heard, String(token)).toEqual([]);
			socket.close();
		}
		// Its owner watches it.
		const owner = await dashboardSocket(alice.key);
		const update = new Promise((resolve) => owner.once('job:update', resolve));
		expect(((await owner.timeout(5000).emitWithAck('job:watch', { jobId: id })) as { ok: boolean }).ok).toBe(true);
		expect(await update).toMatchObject({ jobId: id });
		owner.close();
	});

	it('cannot use a key once the admin revoked it, nor mint keys with a submitter key', async () => {
		const bob = await mint('bob');
		expect((await submitAs(bob.key)).status).toBe(201);
		expect((await as(bob.key, '/api/keys', { method: 'POST', json: { name: 'bob-2' } })).status).toBe(403);
		expect((await as(bob.key, '/api/audit')).status).toBe(403);
		const revoked = await api(hub, `/api/keys/${bob.id}`, { method: 'DELETE' });
		expect(revoked.status).toBe(200);
		const refused = await submitAs(bob.key);
		expect(refused.status).toBe(401);
		expect(((await refused.json()) as { error: string }).error).toMatch(/invalid API token/);
		expect((await as(bob.key, '/api/jobs')).status).toBe(401);
		const listing = (await (await api(hub, '/api/keys')).json()) as { id: string; revoked_at: string | null }[];
		expect(listing.find((k) => k.id === bob.id)?.revoked_at).toBeTruthy();
	});

	it('cannot queue past its daily quota: a 429 that says so and when to come back', async () => {
		const flood = await mint('flood');
		for (let i = 0; i < JOBS_PER_DAY; i++) expect((await submitAs(flood.key)).status).toBe(201);
		const refused = await submitAs(flood.key);
		expect(refused.status).toBe(429);
		expect(((await refused.json()) as { error: string }).error).toMatch(/quota of 3 jobs a day/);
		const retryAfter = Number(refused.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
		// Inputs are counted too, and a per-key quota set at mint time overrides the default.
		const small = await mint('small', { inputs_per_day: 5 });
		expect((await submitAs(small.key, ['1', '2', '3'])).status).toBe(201);
		const over = await submitAs(small.key, ['4', '5', '6']);
		expect(over.status).toBe(429);
		expect(((await over.json()) as { error: string }).error).toMatch(/quota of 5 inputs a day/);
		expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
		// The admin has no quota.
		for (let i = 0; i <= JOBS_PER_DAY; i++) expect((await submitAs(hub.token)).status).toBe(201);
	});

	it("cannot jump ahead of everyone's work: the interactive lane is the /v1 endpoints' alone", async () => {
		const jumper = await mint('jumper');
		const json = { task_type: 'embedding', model: 'demo-embedding', input: ['a big batch'], priority: 'interactive' };
		const refused = await as(jumper.key, '/api/jobs', { method: 'POST', json });
		expect(refused.status).toBe(400);
		expect(((await refused.json()) as { error: string }).error).toMatch(/priority/);
		// Not even the admin: batch work is batch work.
		expect((await api(hub, '/api/jobs', { method: 'POST', json })).status).toBe(400);
		const listed = (await (await api(hub, '/api/jobs')).json()) as { priority: string }[];
		expect(listed.filter((j) => j.priority === 'interactive')).toEqual([]);
	});
});

describe('what the hub keeps', () => {
	it.skipIf(!database)('stores a key only as its hash, and lists it without the key', async () => {
		const carol = await mint('carol');
		const dump = JSON.stringify(await sql`select * from api_keys`);
		expect(dump).not.toContain(carol.key);
		expect(dump).toContain(carol.prefix);
		const listing = await (await api(hub, '/api/keys')).text();
		expect(listing).toContain(carol.prefix);
		expect(listing).not.toContain(carol.key);
	});

	it('refuses to replace a model that a job used, keeping the old one', async () => {
		const scratch = await mkdtemp(path.join(tmpdir(), 'exostack-models-'));
		const v1 = path.join(scratch, 'v1');
		const v2 = path.join(scratch, 'v2');
		await writeModelFolder(v1, { layout: 'sentence-transformers', size: 'demo', seed: 1 });
		await writeModelFolder(v2, { layout: 'sentence-transformers', size: 'demo', seed: 2 });
		expect((await api(hub, '/api/models', { method: 'POST', json: { path: v1, id: 'acme/used' } })).status).toBe(201);
		const before = await (await fetch(`${hub.url}/api/models/acme/used`)).json();
		const job = await api(hub, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'acme/used', input: ['x'] } });
		expect(job.status).toBe(201);
		const replaced = await api(hub, '/api/models', { method: 'POST', json: { path: v2, id: 'acme/used' } });
		expect(replaced.status).toBe(409);
		expect(((await replaced.json()) as { error: string }).error).toMatch(/new version/);
		expect(await (await fetch(`${hub.url}/api/models/acme/used`)).json()).toEqual(before);
		// A new id is a new version; and a submitter's key cannot import at all.
		expect((await api(hub, '/api/models', { method: 'POST', json: { path: v2, id: 'acme/used-v2' } })).status).toBe(201);
		const dave = await mint('dave');
		expect((await as(dave.key, '/api/models', { method: 'POST', json: { path: v2, id: 'acme/dave' } })).status).toBe(403);
	});

	it("records the admin's actions in an audit log the admin alone reads, without secrets", async () => {
		const erin = await mint('erin');
		await api(hub, `/api/keys/${erin.id}`, { method: 'DELETE' });
		const job = (await (await submitAs(hub.token)).json()) as { job_id: string };
		await api(hub, `/api/jobs/${job.job_id}/cancel`, { method: 'POST' });
		expect((await as(null, '/api/audit')).status).toBe(401);
		const res = await api(hub, '/api/audit?after=0&limit=1000');
		expect(res.status).toBe(200);
		const text = await res.text();
		const log = JSON.parse(text) as { id: number; actor: string; action: string; target: string; client_address: string | null }[];
		expect(log).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ actor: 'admin', action: 'key.minted', target: erin.id, client_address: expect.any(String) }),
				expect.objectContaining({ actor: 'admin', action: 'key.revoked', target: erin.id }),
				expect.objectContaining({ actor: 'admin', action: 'job.cancelled', target: job.job_id }),
				expect.objectContaining({ actor: 'admin', action: 'model.imported', target: 'acme/used' })
			])
		);
		expect(text).not.toContain(erin.key);
		expect(text).not.toContain(hub.token);
		// Paged by id.
		const last = log.at(-1)!.id;
		expect(await (await api(hub, `/api/audit?after=${last}`)).json()).toEqual([]);
		expect((await api(hub, '/api/audit?limit=0')).status).toBe(400);
	});
});

describe('what anyone learns about the volunteers', () => {
	it('sees counts, never an owner away, a battery level or what a machine runs', async () => {
		const post = (p: string, body: unknown, token?: string) =>
			fetch(`${hub.url}${p}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
				body: JSON.stringify(body)
			});
		const reg = await post('/nodes/register', { id: 'victim-laptop', capabilities: ['inference'], gpu_available: false });
		expect(reg.status).toBe(201);
		const { token } = (await reg.json()) as { token: string };
		const beat = await post(
			'/nodes/victim-laptop/heartbeat',
			{ idle_state: { state: 'idle', idle_seconds: 1800 }, power_state: { plugged_in: false, battery_percent: 73 } },
			token
		);
		expect(beat.status).toBe(200);

		for (const p of ['/api/nodes', '/nodes/ai-readiness']) {
			const text = await (await fetch(`${hub.url}${p}`)).text();
			for (const secret of ['idle', 'battery', 'victim-laptop', 'seed-agent', 'user_agent', 'plugged'])
				expect(text, p).not.toContain(secret);
			expect(JSON.parse(text), p).toMatchObject({ nodes: 1 });
		}
		// The public dashboard's node table, as any page watching it gets it.
		const dashboard = await dashboardSocket(null);
		const delta = new Promise<unknown>((resolve) => dashboard.once('nodes:delta', resolve));
		await dashboard.timeout(5000).emitWithAck('overview:watch', {});
		const rows = JSON.stringify(await delta);
		dashboard.close();
		expect(rows).toContain('victim-laptop');
		for (const secret of ['idle', 'battery', 'power', '0.73', 'seed-agent']) expect(rows).not.toContain(secret);

		expect((await fetch(`${hub.url}/nodes/victim-laptop/health/detailed`)).status).toBe(401);
		const mallory = await mint('mallory-nodes');
		expect((await as(mallory.key, '/nodes/victim-laptop/health/detailed')).status).toBe(401);

		// The node itself and the admin see it all.
		const own = await as(token, '/nodes/victim-laptop/health/detailed');
		expect(own.status).toBe(200);
		expect(await own.json()).toMatchObject({ node_id: 'victim-laptop', power_state: { battery_percent: 73 } });
		const adminView = (await (await api(hub, '/api/nodes')).json()) as { node_id: string; idle_state: unknown }[];
		expect(adminView.find((n) => n.node_id === 'victim-laptop')).toMatchObject({ idle_state: { state: 'idle' } });
	});
});
