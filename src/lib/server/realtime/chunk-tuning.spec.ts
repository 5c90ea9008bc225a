import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { jobs } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import { claimFor, seedModel, seedVolunteers } from '../scheduler/testing';
import { completeRight, replicasOf } from '../scheduler/chunk-testing';
import { startTestHub, type TestHub } from './testing';

const inputs = (n: number) => Array.from({ length: n }, (_, i) => `input ${i}`);

/** The wiring: a job the hub sizes is marked so, and the sweep resizes it as results arrive. */
describe.each(TEST_DB_KINDS)('a hub sizing chunks to its volunteers on %s', (kind) => {
	let testHub: TestHub;
	beforeAll(async () => {
		testHub = await startTestHub({ kind, env: { EXOSTACK_CHUNK_SIZE: '2', EXOSTACK_TARGET_TASK_SECONDS: '30' } });
		await seedModel(testHub.hub.db);
		await seedVolunteers(testHub.hub.db, ['a', 'b', 'c']);
	});
	afterAll(() => testHub?.stop());

	it('starts a job small, resizes it at a sweep once its pace is measured, sizes later jobs at once, and keeps chunk_size', async () => {
		const db = testHub.hub.db;
		const sized = await testHub.submit(inputs(200), { model: 'm' });
		const asked = await testHub.submit(inputs(200), { model: 'm', chunk_size: 2 });
		const totalTasks = async (id: string) => (await db.select({ n: jobs.totalTasks }).from(jobs).where(eq(jobs.id, id)))[0].n;
		expect([await totalTasks(sized), await totalTasks(asked)]).toEqual([100, 100]);
		// Stored with the job, so any hub process (or this one restarted) keeps tuning it.
		const auto = async (id: string) => (await db.select({ a: jobs.chunkSizeAuto }).from(jobs).where(eq(jobs.id, id)))[0].a;
		expect([await auto(sized), await auto(asked)]).toEqual([true, false]);
		// Three chunks of each job at 2 inputs per second: 30 s is 60 inputs.
		for (const v of ['a', 'b', 'c']) for (let k = 0; k < 2; k++) await completeRight(db, (await claimFor(db, v))[0], v, 1000);
		await testHub.hub.sweep();
		expect([await totalTasks(sized), await totalTasks(asked)]).toEqual([3 + 4, 100]);
		const later = await testHub.submit(inputs(130), { model: 'm' });
		expect((await replicasOf(db, later)).map((r) => r.inputs.length)).toEqual([60, 60, 10]);
	});
});
