/**
 * The hub's database goes away and comes back while a job runs: the real hub process (`node server.js`)
 * reaches PostgreSQL through a TCP relay the test cuts (every connection dropped, new ones refused)
 * and restores.
 *
 * Nothing is lost and nobody is blamed: with EXOSTACK_MAX_FAILURES at 1, one failure charged for the
 * outage would kill a chunk and fail its job. A result handed in while the database is away is answered
 * `unavailable` and sent again until it is accepted; a lease that ran out because its renewals could not
 * be written goes back to the queue uncounted (db/reach.ts, release-expired-leases.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { io, type Socket } from 'socket.io-client';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startTcpRelay, type TcpRelay } from '../harness/tcp-relay';
import { sentences } from '../harness/volunteer-page';
import type { Ack, TaskLease } from '../../src/lib/protocol/events';
import { nodeCapabilities, startHeadlessVolunteer } from '../../src/lib/headless/headless-volunteer';

const database = await freshDatabase();

/** Leases of 6 s, renewed every 2 s; a sweep every second. */
const LEASE_S = 6;
const ENV = {
	EXOSTACK_LEASE_SECONDS: String(LEASE_S),
	EXOSTACK_SWEEP_SECONDS: '1',
	EXOSTACK_MAX_FAILURES: '1',
	EXOSTACK_RETRY_BACKOFF_MS: '0',
	EXOSTACK_TAIL_SECONDS: '3600'
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!database)('a database outage under a running job', () => {
	let relay: TcpRelay;
	let hub: HubProcess;
	let sql: postgres.Sql;

	beforeAll(async () => {
		relay = await startTcpRelay(database!.url);
		hub = await startHubProcess({ databaseUrl: relay.url, dataDir: tempDir(), env: ENV });
		sql = postgres(database!.url, { max: 1, onnotice: () => {} });
	}, 120_000);
	afterAll(async () => {
		await relay?.restore();
		await hub?.stop();
		await relay?.close();
		await sql?.end();
		await database?.drop();
	});

	async function submit(inputs: number): Promise<string> {
		const res = await api(hub, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'demo-embedding', input: sentences(inputs), chunk_size: 2 }
		});
		expect(res.status).toBe(201);
		return (await res.json()).job_id;
	}

	/** The job's status, read beside the hub (not through the relay), once it has ended. */
	async function ended(jobId: string) {
		await expect
			.poll(async () => (await sql`select status from jobs where id = ${jobId}`)[0].status, { timeout: 60_000, interval: 250 })
			.not.toMatch(/queued|running/);
		const [row] = await sql`select j.status, sum(t.failures)::int as failures, max(t.attempts)::int as attempts
			from jobs j join tasks t on t.job_id = j.id where j.id = ${jobId} group by j.status`;
		return row as { status: string; failures: number; attempts: number };
	}

	it('keeps a result handed in while the database is away: it is sent again and accepted, and no task is leased twice', async () => {
		const jobId = await submit(40);
		/** How many times each task's result was sent, and which the hub accepted, as the volunteer saw it. */
		const sends = new Map<number, number>();
		const accepted = new Set<number>();
		let cutAt: number | null = null;
		let restored: Promise<void> | null = null;
		const volunteer = startHeadlessVolunteer({
			hubUrl: hub.url,
			threads: 1,
			listener: { taskEnded: (lease, end) => void (end.accepted && accepted.add(lease.taskId)) }
		});
		// The database goes away the moment the volunteer hands in its sixth result (before the message leaves), for a second.
		volunteer.socket.onAnyOutgoing((event: string, payload: { taskId?: number; results?: { taskId: number }[] }) => {
			const ids = event === 'task:result' ? [payload.taskId!] : event === 'task:results' ? payload.results!.map((r) => r.taskId) : [];
			for (const id of ids) sends.set(id, (sends.get(id) ?? 0) + 1);
			if (ids.length > 0 && sends.size === 6 && cutAt === null) {
				cutAt = ids[0];
				restored = relay
					.cut()
					.then(() => sleep(1000))
					.then(() => relay.restore());
			}
		});
		try {
			const after = await ended(jobId);
			await restored;
			console.log(`short outage at task ${cutAt}: sent ${JSON.stringify([...sends].filter(([, n]) => n > 1))}; ${JSON.stringify(after)}`);
			expect(cutAt).not.toBeNull();
			expect(sends.get(cutAt!)).toBeGreaterThan(1);
			expect(accepted.has(cutAt!)).toBe(true);
			expect(after).toEqual({ status: 'completed', failures: 0, attempts: 1 });
		} finally {
			await volunteer.stop();
		}
	});

	it('charges nobody for a lease that ran out while the database was away, and finishes the job', async () => {
		const jobId = await submit(8);
		// A volunteer takes a task and is then cut off from renewing it by the outage (it never renews: the
		// hub cannot tell that from renewals it could not write).
		const auth = { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } };
		const holder: Socket = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, auth });
		try {
			await new Promise((resolve, reject) => holder.once('welcome', resolve).once('connect_error', reject));
			const reply: Ack<{ tasks: TaskLease[] }> = await holder.timeout(10_000).emitWithAck('task:request', { slots: 1 });
			if (!reply.ok) throw new Error(reply.error);
			const [task] = reply.tasks;
			await relay.cut();
			await sleep((LEASE_S + 1) * 1000);
			// Checked beside the hub: the lease ran out during the outage, and nothing could sweep it yet.
			expect((await sql`select state, lease_expires_at < now() as expired from tasks where id = ${task.taskId}`)[0]).toEqual({
				state: 'leased',
				expired: true
			});
			await relay.restore();
			await expect
				.poll(async () => (await sql`select state, failures, last_error from tasks where id = ${task.taskId}`)[0], { timeout: 10_000 })
				.toEqual({ state: 'queued', failures: 0, last_error: expect.stringMatching(/out of reach: not counted/) });
		} finally {
			holder.close();
		}
		const volunteer = startHeadlessVolunteer({ hubUrl: hub.url, threads: 1 });
		try {
			expect(await ended(jobId)).toMatchObject({ status: 'completed', failures: 0 });
			expect((await api(hub, '/api/health')).status).toBe(200);
		} finally {
			await volunteer.stop();
		}
	});
});
