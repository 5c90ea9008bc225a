/**
 * Webhooks and Idempotency-Key against a real built hub: a local receiver verifies every delivery with
 * the `standardwebhooks` package, as a submitter's server would; a headless CLI volunteer computes the job
 * that completes, a socket volunteer fails the one that fails, and the hub is SIGKILLed with a delivery pending.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';

interface Delivery {
	path: string;
	id: string;
	event: { type: string; data: { job_id: string; status: string } } | null;
	error?: string;
}

/** A submitter's receiver: verifies each POST with its webhook's secret and answers what `answers[path]` says next (else 200). */
function receiver() {
	const got: Delivery[] = [];
	const secrets = new Map<string, string>();
	const answers = new Map<string, number[]>();
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			const p = req.url ?? '';
			try {
				const event = new Webhook(secrets.get(p) ?? '').verify(body, req.headers as Record<string, string>) as Delivery['event'];
				got.push({ path: p, id: String(req.headers['webhook-id']), event });
			} catch (e) {
				got.push({ path: p, id: String(req.headers['webhook-id']), event: null, error: (e as Error).message });
			}
			res.statusCode = answers.get(p)?.shift() ?? 200;
			res.end();
		});
	});
	return { server, got, secrets, answers, at: (p: string) => got.filter((d) => d.path === p) };
}

const HUB_ENV = {
	EXOSTACK_WEBHOOK_ALLOW_HTTP: 'on',
	EXOSTACK_WEBHOOK_ALLOW_PRIVATE: 'on',
	EXOSTACK_WEBHOOK_BACKOFF_MS: '300',
	EXOSTACK_MAX_FAILURES: '1',
	EXOSTACK_RETRY_BACKOFF_MS: '0'
};

describe('webhooks and Idempotency-Key (built hub)', () => {
	const r = receiver();
	const dataDir = tempDir();
	let hub: HubProcess;
	let key: string;
	let base: string;
	const sockets: Socket[] = [];
	beforeAll(async () => {
		await new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done));
		base = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
		hub = await startHubProcess({ dataDir, env: HUB_ENV });
		key = (await (await api(hub, '/api/keys', { method: 'POST', json: { name: 'hooks' } })).json()).key;
	});
	afterAll(async () => {
		for (const s of sockets) s.close();
		await hub?.stop();
		await new Promise((done) => r.server.close(done));
	});

	const asKey = (pathname: string, init: RequestInit & { json?: unknown } = {}) => api({ url: hub.url, token: key }, pathname, init);

	async function register(p: string, events: string[]) {
		const res = await asKey('/api/webhooks', { method: 'POST', json: { url: `${base}${p}`, events } });
		expect(res.status).toBe(201);
		const body = await res.json();
		expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{44}$/);
		r.secrets.set(p, body.secret);
		return body.id as string;
	}

	const submit = (input: string[], idempotencyKey?: string) =>
		asKey('/api/jobs', {
			method: 'POST',
			headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
			json: { task_type: 'embedding', model: 'demo-embedding', input }
		});

	it('creates one job for retries with the same Idempotency-Key and body, and refuses another body with 422', async () => {
		const first = await submit(['same request'], 'order-1');
		expect(first.status).toBe(201);
		const again = await submit(['same request'], 'order-1');
		expect(again.status).toBe(200);
		expect(again.headers.get('idempotent-replayed')).toBe('true');
		const id = (await first.json()).job_id;
		expect((await again.json()).job_id).toBe(id);
		const misuse = await submit(['another request'], 'order-1');
		expect(misuse.status).toBe(422);
		expect((await misuse.json()).error).toMatch(/different request body/);
		// Through the seed's path too: it is the same handler.
		const seed = await api({ url: hub.url, token: key }, '/tasks/submit', {
			method: 'POST',
			headers: { 'idempotency-key': 'order-1' },
			json: { task_type: 'embedding', model: 'demo-embedding', input: ['same request'] }
		});
		expect((await seed.json()).task_id).toBe(id);
		const mine = await (await asKey('/api/jobs')).json();
		expect(mine.filter((j: { job_id: string }) => j.job_id === id)).toHaveLength(1);
		expect(mine).toHaveLength(1);
		expect((await asKey(`/api/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
	});

	it('delivers job.completed, signed, to every subscribed webhook; one answering 500 twice gets it on the third try', async () => {
		const listedBefore = await (await asKey('/api/webhooks')).json();
		await register('/good', ['job.completed']);
		await register('/flaky', ['job.completed', 'job.failed']);
		r.answers.set('/flaky', [500, 500]);
		const listed = await (await asKey('/api/webhooks')).json();
		expect(listed).toHaveLength(listedBefore.length + 2);
		expect(JSON.stringify(listed)).not.toContain('whsec_');

		const jobId = (await (await submit(['one fish', 'two fish'])).json()).job_id;
		const cli = spawn(
			process.execPath,
			['bin/exostack.js', 'volunteer', '--hub', hub.url, '--identity-file', path.join(tempDir(), 'id'), '--threads', '1'],
			{
				stdio: 'ignore'
			}
		);
		try {
			await expect.poll(() => r.at('/good').length, { timeout: 90_000, interval: 200 }).toBe(1);
		} finally {
			cli.kill('SIGTERM');
		}
		expect(r.at('/good')[0].event).toMatchObject({ type: 'job.completed', data: { job_id: jobId, status: 'completed' } });
		await expect.poll(() => r.at('/flaky').length, { timeout: 30_000, interval: 200 }).toBe(3);
		const flaky = r.at('/flaky');
		expect(flaky.every((d) => d.error === undefined && d.event?.data.job_id === jobId)).toBe(true);
		expect(new Set(flaky.map((d) => d.id)).size).toBe(1);
		// Delivered: nothing more comes.
		await new Promise((done) => setTimeout(done, 1500));
		expect(r.at('/flaky')).toHaveLength(3);
	});

	it('delivers job.failed after a SIGKILLed hub restarts with the delivery still pending', async () => {
		await register('/down', ['job.failed']);
		r.answers.set('/down', Array(1000).fill(503));
		const jobId = (await (await submit(['doomed'])).json()).job_id;
		const auth = { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } };
		const s: Socket = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, auth });
		sockets.push(s);
		await new Promise((resolve, reject) => {
			s.once('welcome', resolve);
			s.once('connect_error', reject);
		});
		const { tasks } = await s.timeout(10_000).emitWithAck('task:request', { slots: 1 });
		expect(tasks[0]?.jobId).toBe(jobId);
		await s.timeout(10_000).emitWithAck('task:fail', { taskId: tasks[0].taskId, leaseToken: tasks[0].leaseToken, error: 'out of memory' });
		s.close();
		await expect.poll(() => r.at('/down').length, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(1);
		await hub.kill();
		r.answers.set('/down', []);
		const before = r.at('/down').length;
		hub = await startHubProcess({ dataDir, port: hub.port, env: HUB_ENV });
		// A send cut by the kill waits out its claim's lease (60 s) before it is sent again.
		await expect.poll(() => r.at('/down').length, { timeout: 120_000, interval: 200 }).toBeGreaterThan(before);
		const last = r.at('/down').at(-1)!;
		expect(last.event).toMatchObject({ type: 'job.failed', data: { job_id: jobId, status: 'failed' } });
		expect(new Set(r.at('/down').map((d) => d.id)).size).toBe(1);
		// The flaky webhook also heard of the failure: at least once, as one message. Its send may race the kill (the
		// receiver answered, the hub died before recording it), and is then sent again with the same webhook-id, which
		// a receiver dedupes by (Standard Webhooks).
		const failed = () => r.at('/flaky').filter((d) => d.event?.type === 'job.failed');
		await expect.poll(() => failed().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
		expect(failed().every((d) => d.event?.data.job_id === jobId)).toBe(true);
		expect(new Set(failed().map((d) => d.id)).size).toBe(1);
	}, 240_000);
});
