/**
 * Attacks on the results: one person plays several volunteers from one network to be its own quorum,
 * holds the queue with many sockets and identities, reads the public task listing to learn which of
 * its leases are checked, and settles chunks with fresh identities on several networks. And a job held
 * back by these rules says why. Each volunteer here is a raw socket.io-client bound to its own 127.x.y.z
 * source address: networkOf puts 127.0.5.* in one /24 and 127.0.7.* in another, as two home networks.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { TRUST_AFTER } from '../../src/lib/server/scheduler/adaptive-replication';

const PER_NETWORK = 4;

let hub: HubProcess;
/** The jobs' submitter: an API key of its own, as strangers' volunteers never see a job's owner view. */
let submitter: Pick<HubProcess, 'url' | 'token'>;
const sockets: Socket[] = [];
/** Each socket's volunteer id, as its hello answered. */
const identities = new Map<Socket, string>();

beforeAll(async () => {
	// Every lease that can be a known-answer check is one (a chunk of a running job two volunteers agreed on). No
	// lazy re-checks: by chance (5 % per result by default) a re-check of an unreplicated lie would be queued ahead
	// of the work a test is about, and a volunteer asking for one task would get it instead.
	hub = await startHubProcess({
		env: {
			HOST: '0.0.0.0',
			EXOSTACK_LEASES_PER_NETWORK: String(PER_NETWORK),
			EXOSTACK_SPOT_CHECK_RATE: '1',
			EXOSTACK_LAZY_CHECK_RATE: '0'
		}
	});
	const minted = await api(hub, '/api/keys', { method: 'POST', json: { name: 'submitter' } });
	submitter = { url: hub.url, token: ((await minted.json()) as { key: string }).key };
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
	const auth = {
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
	};
	const s = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, localAddress, auth } as Parameters<typeof io>[1]);
	sockets.push(s);
	const welcome = await new Promise<{ volunteerId: string }>((resolve, reject) => {
		s.once('welcome', resolve);
		s.once('connect_error', reject);
	});
	identities.set(s, welcome.volunteerId);
	return s;
}

async function take(s: Socket, slots = 16): Promise<Lease[]> {
	const reply = await s.timeout(5000).emitWithAck('task:request', { slots });
	expect(reply.ok, JSON.stringify(reply)).toBe(true);
	return reply.tasks as Lease[];
}

async function submit(input: string[], replication: number, chunkSize: number): Promise<string> {
	const res = await api(submitter, '/api/jobs', {
		method: 'POST',
		json: { task_type: 'embedding', model: 'demo-embedding', input, replication, chunk_size: chunkSize }
	});
	expect(res.status, await res.clone().text()).toBe(201);
	return (await res.json()).job_id;
}

/** Hands in a vector of `value`s for every input of a lease, saying it ran `variant` when given. */
async function hand(s: Socket, l: Lease, value: number, variant?: string) {
	const vector = Array.from({ length: l.model.embedding!.dimensions }, () => value);
	const reply = await s.timeout(5000).emitWithAck('task:result', {
		taskId: l.taskId,
		leaseToken: l.leaseToken,
		backend: 'native',
		...(variant ? { variant } : {}),
		durationMs: 10,
		outputs: l.inputs.map(() => vector)
	});
	expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
}

const statusOf = async (id: string) => (await api(submitter, `/api/jobs/${id}`)).json();

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
		for (const { s, l } of leases) await hand(s, l, 0.5);
		const status = await (await api(submitter, `/api/jobs/${id}`)).json();
		expect(status.status).not.toBe('completed');
		expect(status.progress.done).toBe(0);
		await api(submitter, `/api/jobs/${id}/cancel`, { method: 'POST' });
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
		await api(submitter, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('shows the job’s submitter nothing of live work (a submitter may volunteer too): no holder, lease session, solo grant or verdict', async () => {
		const id = await submit(['is this lease checked?'], 2, 1);
		const v = await volunteerFrom('127.0.8.1');
		const leases = (await take(v, 1)).filter((l) => l.jobId === id);
		expect(leases).toHaveLength(1);
		const rows = (await (await api(submitter, `/api/jobs/${id}/tasks`)).json()) as Record<string, unknown>[];
		expect(rows).toHaveLength(2);
		for (const row of rows) {
			expect(row).not.toHaveProperty('solo');
			expect(row).not.toHaveProperty('lease_session');
			expect(row).toMatchObject({ state: 'pending', volunteer_id: null, verdict: null });
		}
		// The lease itself carries nothing that says whether it is checked either.
		expect(Object.keys(leases[0]).sort()).toEqual(
			['taskId', 'leaseToken', 'leaseExpiresAt', 'jobId', 'taskType', 'model', 'params', 'variant', 'inputs', 'resumeAt'].sort()
		);
		await releaseAll(v, leases);
		await api(submitter, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('newcomers alone cannot settle a chunk while an established volunteer is connected', async () => {
		// An honest volunteer earns trust: TRUST_AFTER results in a row that another volunteer agreed with.
		const warmUp = await submit(
			Array.from({ length: TRUST_AFTER }, (_, i) => `warm-up ${i}`),
			2,
			1
		);
		const honest = await volunteerFrom('127.0.12.1');
		const partner = await volunteerFrom('127.0.14.1');
		for (let done = 0; done < TRUST_AFTER;) {
			const leases = (await take(honest, PER_NETWORK)).filter((l) => l.jobId === warmUp);
			expect(leases.length).toBeGreaterThan(0);
			for (const l of leases) await hand(honest, l, 0.25);
			for (const l of (await take(partner, PER_NETWORK)).filter((x) => x.jobId === warmUp)) await hand(partner, l, 0.25);
			done += leases.length;
		}
		expect((await statusOf(warmUp)).status).toBe('completed');
		partner.disconnect();

		// Two fresh identities on two networks agree on a made-up answer.
		const id = await submit(['what newcomers claim'], 2, 1);
		for (const address of ['127.0.10.1', '127.0.11.1']) {
			const newcomer = await volunteerFrom(address);
			const [lease] = (await take(newcomer, 1)).filter((l) => l.jobId === id);
			expect(lease).toBeDefined();
			await hand(newcomer, lease, 0.5);
		}
		expect(await statusOf(id)).toMatchObject({ status: 'running', progress: { done: 0 } });
		// The chunk waits for the established volunteer, which computes the truth: the newcomers' answer is not accepted.
		const [check] = (await take(honest, 1)).filter((l) => l.jobId === id);
		expect(check).toBeDefined();
		await hand(honest, check, 0.25);
		expect(await statusOf(id)).toMatchObject({ status: 'running', progress: { done: 0 } });
		await api(submitter, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('a job that cannot progress says why in its status', async () => {
		for (const s of sockets.splice(0)) s.disconnect();
		const id = await submit(['alone on its network'], 2, 1);
		const waiting = async () => (await statusOf(id)).waiting;
		await expect.poll(waiting, { timeout: 10_000 }).toBe('no connected volunteer can run model demo-embedding');
		const lonely = await volunteerFrom('127.0.13.1');
		const [lease] = (await take(lonely, 1)).filter((l) => l.jobId === id);
		await hand(lonely, lease, 0.5);
		expect(await waiting()).toBe('waiting for a second volunteer on another network');
		await api(submitter, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('a volunteer naming another variant is still compared where its lease put it, and caught', async () => {
		for (const s of sockets.splice(0)) s.disconnect();
		const id = await submit(['which variant ran this?'], 2, 1);
		const [honest, liar, third] = await Promise.all(['127.0.20.1', '127.0.21.1', '127.0.22.1'].map(volunteerFrom));
		const [a] = (await take(honest, 1)).filter((l) => l.jobId === id);
		const [b] = (await take(liar, 1)).filter((l) => l.jobId === id);
		expect(b).toMatchObject({ variant: 'fp32' });
		await hand(honest, a, 0.25);
		// "I ran q8, so compare me with nobody": the hub leased fp32 and compares it as fp32.
		await hand(liar, b, 0.9, 'q8');
		const [c] = (await take(third, 1)).filter((l) => l.jobId === id);
		expect(c).toBeDefined();
		await hand(third, c, 0.25);
		await expect.poll(async () => (await statusOf(id)).status, { timeout: 10_000 }).toBe('completed');
		const rows = (await (await api(submitter, `/api/jobs/${id}/tasks`)).json()) as {
			volunteer_id: string;
			verdict: string;
			result_class: string;
		}[];
		expect(rows.filter((r) => r.verdict === 'valid')).toHaveLength(2);
		expect(rows.find((r) => r.verdict !== 'valid')).toMatchObject({ verdict: 'invalid', result_class: 'native/fp32' });
	});

	it('a caught liar loses its trust, and what it had accepted alone is re-checked and overturned', async () => {
		for (const s of sockets.splice(0)) s.disconnect();
		const [liar, a, b] = await Promise.all(['127.0.30.1', '127.0.31.1', '127.0.32.1'].map(volunteerFrom));
		// Unreplicated work is accepted (and credited) on the liar's word.
		const alone = await submit(['first lie', 'second lie'], 1, 1);
		const lies = (await take(liar, 2)).filter((l) => l.jobId === alone);
		expect(lies).toHaveLength(2);
		for (const l of lies) await hand(liar, l, 0.9);
		expect((await statusOf(alone)).status).toBe('completed');
		// Then it loses a quorum.
		const quorum = await submit(['caught here'], 3, 1);
		for (const [s, value] of [
			[liar, 0.9],
			[a, 0.25],
			[b, 0.25]
		] as const) {
			const [l] = (await take(s, 1)).filter((x) => x.jobId === quorum);
			expect(l).toBeDefined();
			await hand(s, l, value);
		}
		await expect.poll(async () => (await statusOf(quorum)).status, { timeout: 10_000 }).toBe('completed');
		// Its earlier results are computed again by others; two agreeing against each lie overturn it.
		for (const checker of [a, b]) {
			const checks = (await take(checker, 2)).filter((l) => l.jobId === alone);
			expect(checks).toHaveLength(2);
			for (const l of checks) await hand(checker, l, 0.25);
		}
		const corrected = await statusOf(alone);
		expect(corrected).toMatchObject({ status: 'completed', corrections: 2 });
		expect(corrected.result.flat().every((x: number) => x === 0.25)).toBe(true);
		const record = await (await fetch(`${hub.url}/api/volunteers/${identities.get(liar)}`)).json();
		expect(record).toMatchObject({ invalid_results: 3, credit: 0 });
	});

	it('a known-answer check looks like any lease, and catches a liar', async () => {
		for (const s of sockets.splice(0)) s.disconnect();
		const [liar, a, b] = await Promise.all(['127.0.40.1', '127.0.41.1', '127.0.42.1'].map(volunteerFrom));
		const alone = await submit(['trusted lie'], 1, 1);
		const [lie] = (await take(liar, 1)).filter((l) => l.jobId === alone);
		await hand(liar, lie, 0.9);
		// Two volunteers agree on the first chunk of a job that is still running: the hub knows that answer.
		const id = await submit(['known', 'still open'], 2, 1);
		const ordinary: Lease[] = [];
		for (const s of [a, b]) {
			const [l] = (await take(s, 1)).filter((x) => x.jobId === id);
			ordinary.push(l);
			await hand(s, l, 0.25);
		}
		const [check] = (await take(liar, 1)).filter((l) => l.jobId === id);
		expect(check).toBeDefined();
		expect(Object.keys(check).sort()).toEqual(Object.keys(ordinary[0]).sort());
		expect(check.inputs).toEqual(ordinary[0].inputs);
		// Nothing public shows a check: the listing has the job's own replicas only.
		expect((await (await api(submitter, `/api/jobs/${id}/tasks`)).json()).length).toBe(4);
		await hand(liar, check, 0.9);
		expect(await (await fetch(`${hub.url}/api/volunteers/${identities.get(liar)}`)).json()).toMatchObject({ invalid_results: 1 });
		// Caught: what it had accepted alone is offered to others again.
		const [recheck] = (await take(a, 1)).filter((l) => l.jobId === alone);
		expect(recheck).toBeDefined();
		expect((await statusOf(id)).progress.done).toBe(1);
		await api(submitter, `/api/jobs/${id}/cancel`, { method: 'POST' });
	});

	it('garbage on unreplicated jobs, accepted on its word, buys no trust', async () => {
		const id = await submit(
			Array.from({ length: TRUST_AFTER }, (_, i) => `unchecked ${i}`),
			1,
			1
		);
		const farmer = await volunteerFrom('127.0.15.1');
		for (let done = 0; done < TRUST_AFTER;) {
			const leases = (await take(farmer, PER_NETWORK)).filter((l) => l.jobId === id);
			expect(leases.length).toBeGreaterThan(0);
			for (const l of leases) await hand(farmer, l, 0.9);
			done += leases.length;
		}
		expect((await statusOf(id)).status).toBe('completed');
		const record = await (await fetch(`${hub.url}/api/volunteers/${identities.get(farmer)}`)).json();
		expect(record).toMatchObject({ valid_results: TRUST_AFTER, consecutive_valid: 0 });
	});
});
