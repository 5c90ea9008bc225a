/**
 * Attacks on the results: one person plays several volunteers from one network to be its own quorum,
 * holds the queue with many sockets and identities, and reads the public task listing to learn which of
 * its leases are checked. Each volunteer here is a raw socket.io-client bound to its own 127.x.y.z
 * source address: networkOf puts 127.0.5.* in one /24 and 127.0.7.* in another, as two home networks.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';

const PER_NETWORK = 4;

let hub: HubProcess;
const sockets: Socket[] = [];

beforeAll(async () => {
	hub = await startHubProcess({ env: { HOST: '0.0.0.0', EXOSTACK_LEASES_PER_NETWORK: String(PER_NETWORK) } });
});
afterAll(async () => {
	for (const s of sockets) s.disconnect();
	await hub?.stop();
});

interface Lease {
	taskId: number;
	leaseToken: string;
	jobId: string;
	inputs: string[];
	model: { embedding?: { dimensions: number } };
}

/** A fresh identity on a fresh socket from `localAddress`: what anyone can make, as many as they like. */
async function volunteerFrom(localAddress: string): Promise<Socket> {
	const s = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, localAddress } as Parameters<typeof io>[1]);
	sockets.push(s);
	const reply = await s.timeout(5000).emitWithAck('hello', {
		identity: null,
		capabilities: {
			agent: 'node',
			backend: 'native',
			webgpu: null,
			cores: 8,
			deviceMemory: 16,
			crossOriginIsolated: false,
			taskTypes: ['embedding']
		},
		mode: 'always',
		readiness: { score: 95, ready: true }
	});
	expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
	return s;
}

async function take(s: Socket, slots = 16): Promise<Lease[]> {
	const reply = await s.timeout(5000).emitWithAck('task:request', { slots });
	expect(reply.ok, JSON.stringify(reply)).toBe(true);
	return reply.tasks as Lease[];
}

async function submit(input: string[], replication: number, chunkSize: number): Promise<string> {
	const res = await api(hub, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model: 'demo-embedding', input, replication, chunk_size: chunkSize }
	});
	expect(res.status, await res.clone().text()).toBe(201);
	return (await res.json()).task_id;
}

/** Gives every lease back, so the next test starts from an empty queue of leases. */
async function releaseAll(s: Socket, leases: Lease[]) {
	for (const l of leases) await s.timeout(5000).emitWithAck('task:release', { taskId: l.taskId, leaseToken: l.leaseToken });
}

describe('results from strangers', () => {
	it('three identities on one network cannot be a replication-3 quorum for a made-up vector', async () => {
		const id = await submit(['the sky is green', 'two and two make five'], 3, 2);
		const sybils = await Promise.all(['127.0.5.1', '127.0.5.2', '127.0.5.3'].map(volunteerFrom));
		const leases: { s: Socket; l: Lease }[] = [];
		for (const s of sybils) for (const l of await take(s)) if (l.jobId === id) leases.push({ s, l });
		// The first takes a replica; its network is then barred from the chunk's other two.
		expect(leases).toHaveLength(1);
		const fake = Array.from({ length: leases[0].l.model.embedding!.dimensions }, () => 0.5);
		for (const { s, l } of leases)
			await s.timeout(5000).emitWithAck('task:result', {
				taskId: l.taskId,
				leaseToken: l.leaseToken,
				backend: 'native',
				durationMs: 10,
				outputs: l.inputs.map(() => fake)
			});
		const status = await (await fetch(`${hub.url}/api/jobs/${id}`)).json();
		expect(status.status).not.toBe('completed');
		expect(status.progress.done).toBe(0);
		await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('caps the leases one network holds, across its sockets and identities; other networks are still served', async () => {
		const id = await submit(
			Array.from({ length: 40 }, (_, i) => `sentence ${i}`),
			1,
			1
		);
		const hoarders = await Promise.all(['127.0.6.1', '127.0.6.1', '127.0.6.2', '127.0.6.3'].map(volunteerFrom));
		const held: { s: Socket; l: Lease }[] = [];
		for (const s of hoarders) for (const l of await take(s)) held.push({ s, l });
		expect(held.length).toBe(PER_NETWORK);
		const neighbour = await volunteerFrom('127.0.7.1');
		const theirs = await take(neighbour, 2);
		expect(theirs).toHaveLength(2);
		for (const s of hoarders)
			await releaseAll(
				s,
				held.filter((h) => h.s === s).map((h) => h.l)
			);
		await releaseAll(neighbour, theirs);
		await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('shows anonymous readers nothing of live work: no holder, lease session, solo grant or verdict', async () => {
		const id = await submit(['is this lease checked?'], 2, 1);
		const v = await volunteerFrom('127.0.8.1');
		const leases = (await take(v, 1)).filter((l) => l.jobId === id);
		expect(leases).toHaveLength(1);
		const rows = (await (await fetch(`${hub.url}/api/jobs/${id}/tasks`)).json()) as Record<string, unknown>[];
		expect(rows).toHaveLength(2);
		for (const row of rows) {
			expect(row).not.toHaveProperty('solo');
			expect(row).not.toHaveProperty('lease_session');
			expect(row).toMatchObject({ state: 'pending', volunteer_id: null, verdict: null });
		}
		// The lease itself carries nothing that says whether it is checked either.
		expect(Object.keys(leases[0]).sort()).toEqual(
			['taskId', 'leaseToken', 'leaseExpiresAt', 'jobId', 'taskType', 'model', 'params', 'inputs', 'resumeAt'].sort()
		);
		await releaseAll(v, leases);
		await api(hub, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});
});
