import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { tasks, volunteerSessions } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { completeTask } from './complete-task';
import { finishJobIfDone } from './finish-job';
import { claimFor, makeJob, policy, seedModel, seedVolunteers, seededDatabase, vec } from './testing';
import { TRUST_AFTER } from './adaptive-replication';
import { whyWaiting } from './job-waiting';
import { CLASS_WAIT_MS } from './claim-rules';

const trusting = { ...policy, distinctNetworks: true };

describe.each(TEST_DB_KINDS)('who may compute and settle a chunk, on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['a', 'b', 'c']);
			await seedVolunteers(d, ['old'], TRUST_AFTER + 5);
		},
		(opened) => (db = opened)
	);

	const on = (network: string) => ({ network, distinctNetworks: true });

	it('gives a chunk’s replicas to distinct networks, unless told networks do not matter', async () => {
		await makeJob(db, 2, { replication: 3 });
		expect(await claimFor(db, 'a', on('10.0.0.0/24'))).toHaveLength(1);
		expect(await claimFor(db, 'b', on('10.0.0.0/24'))).toHaveLength(0);
		expect(await claimFor(db, 'b', on('10.0.1.0/24'))).toHaveLength(1);
		// A private lab: one network, and the knob off.
		expect(await claimFor(db, 'c', { network: '10.0.0.0/24', distinctNetworks: false })).toHaveLength(1);
	});

	it('never duplicates a slow tail task onto its holder’s network', async () => {
		await makeJob(db, 2, { replication: 1 });
		expect(await claimFor(db, 'a', on('10.0.0.0/24'))).toHaveLength(1);
		await db.update(tasks).set({ leasedAt: new Date(Date.now() - 60_000) });
		expect(await claimFor(db, 'b', { ...on('10.0.0.0/24'), tailMs: 1 })).toHaveLength(0);
		expect(await claimFor(db, 'b', { ...on('10.0.1.0/24'), tailMs: 1 })).toHaveLength(1);
	});

	it('lets another backend class take over a chunk a lone class computed, after CLASS_WAIT_MS', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		const [ta] = await claimFor(db, 'a', { ...on('10.0.0.0/24'), backendClass: 'webgpu-f16' });
		await complete(ta, 'a', 0, 'webgpu-f16/fp16');
		expect(await claimFor(db, 'b', on('10.0.1.0/24'))).toHaveLength(0);
		await db
			.update(tasks)
			.set({ finishedAt: new Date(Date.now() - CLASS_WAIT_MS - 60_000) })
			.where(eq(tasks.id, ta.id));
		const [tb] = await claimFor(db, 'b', on('10.0.1.0/24'));
		expect(await complete(tb, 'b', 0)).toMatchObject({ settlement: { outcome: 'spawned' } });
		const [tc] = await claimFor(db, 'c', on('10.0.2.0/24'));
		expect(await complete(tc, 'c', 0)).toMatchObject({ settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
	});

	it('caps the live leases of one network across its sessions and identities', async () => {
		await makeJob(db, 12, { replication: 1, chunkSize: 1 });
		const net = { network: '10.0.0.0/24', leasesPerNetwork: 3, slots: 8 };
		expect(await claimFor(db, 'a', net)).toHaveLength(3);
		expect(await claimFor(db, 'b', net)).toHaveLength(0);
		expect(await claimFor(db, 'b', { ...net, network: '10.0.1.0/24' })).toHaveLength(3);
	});

	it('holds a quorum of newcomers for an established volunteer, and refuses it when that volunteer disagrees', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		await connect('old', '10.0.9.0/24');
		const [ta] = await claimFor(db, 'a', on('10.0.0.0/24'));
		const [tb] = await claimFor(db, 'b', on('10.0.1.0/24'));
		await complete(ta, 'a', 7);
		expect(await complete(tb, 'b', 7)).toMatchObject({ settlement: { outcome: 'spawned' } });
		expect(await finishJobIfDone(db, jobId)).toBeNull();
		// The confirming replica is kept for established volunteers: a newcomer cannot take it.
		expect(await claimFor(db, 'c', on('10.0.2.0/24'))).toHaveLength(0);
		const [check] = await claimFor(db, 'old', on('10.0.9.0/24'));
		expect(check).toBeDefined();
		expect(await complete(check, 'old', 0)).toMatchObject({ settlement: { outcome: 'spawned' } });
		// The newcomers' made-up answer still has no established voice: it is not accepted.
		expect(await finishJobIfDone(db, jobId)).toBeNull();
	});

	it('accepts newcomers’ agreement once an established volunteer confirms it', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		await connect('old', '10.0.9.0/24');
		const [ta] = await claimFor(db, 'a', on('10.0.0.0/24'));
		const [tb] = await claimFor(db, 'b', on('10.0.1.0/24'));
		await complete(ta, 'a', 0);
		await complete(tb, 'b', 0);
		const [check] = await claimFor(db, 'old', on('10.0.9.0/24'));
		expect(await complete(check, 'old', 0)).toMatchObject({ settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
	});

	it('accepts newcomers’ quorum when no established volunteer could check it', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		// Connected, but on a network that already computed the chunk.
		await connect('old', '10.0.0.0/24');
		const [ta] = await claimFor(db, 'a', on('10.0.0.0/24'));
		const [tb] = await claimFor(db, 'b', on('10.0.1.0/24'));
		await complete(ta, 'a', 0);
		expect(await complete(tb, 'b', 0)).toMatchObject({ settlement: { outcome: 'accepted' } });
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
	});

	it('says why a job waits: nobody can run it, a second network, an established volunteer', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 2 });
		const waiting = async () => whyWaiting(db, { id: jobId, taskType: 'embedding', modelId: 'm' }, { distinctNetworks: true });
		expect(await waiting()).toBe('no connected volunteer can run model m');
		await connect('a', '10.0.0.0/24');
		expect(await waiting()).toBeNull();
		const [ta] = await claimFor(db, 'a', on('10.0.0.0/24'));
		expect(await waiting()).toBeNull();
		await complete(ta, 'a', 0);
		expect(await waiting()).toBe('waiting for a second volunteer on another network');
		await connect('b', '10.0.1.0/24');
		expect(await waiting()).toBeNull();
		await connect('old', '10.0.9.0/24');
		const [tb] = await claimFor(db, 'b', on('10.0.1.0/24'));
		await complete(tb, 'b', 0);
		await db.delete(volunteerSessions).where(eq(volunteerSessions.volunteerId, 'old'));
		expect(await waiting()).toBe('waiting for an established volunteer to confirm newcomers’ results');
	});

	async function connect(volunteerId: string, network: string) {
		await db.insert(volunteerSessions).values({
			id: `session-of-${volunteerId}`,
			volunteerId,
			hubId: 'hub',
			capabilities: {
				agent: 'node',
				backend: 'wasm',
				webgpu: null,
				cores: 4,
				deviceMemory: 8,
				crossOriginIsolated: false,
				taskTypes: ['embedding']
			},
			mode: 'always',
			readiness: { score: 90, ready: true },
			readyForAi: true,
			network
		});
	}

	function complete(
		t: { id: number; leaseToken: string; inputs: string[] },
		volunteerId: string,
		shift: number,
		resultClass = 'wasm/fp32'
	) {
		return completeTask(
			db,
			{
				taskId: t.id,
				leaseToken: t.leaseToken,
				volunteerId,
				outputs: t.inputs.map((_, i) => vec(i + shift)),
				backend: 'wasm',
				resultClass,
				durationMs: 5
			},
			trusting
		);
	}
});
