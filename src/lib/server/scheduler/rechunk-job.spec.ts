import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { jobs } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { checkpointTask } from './checkpoint-task';
import { tuneChunks } from './chunk-tuner';
import { finishJobIfDone } from './finish-job';
import { getJobStatus, resultPages } from './job-status';
import { rechunkJob, untouchedTask } from './rechunk-job';
import { queueLazyCheck } from './settle-checks';
import { releaseLease } from './release-leases';
import { claimFor, completeAs, makeJob, seedModel, seedVolunteers, seededDatabase, vec } from './testing';
import { completeRight, drain, outputOf, replicasOf } from './chunk-testing';

const VOLUNTEERS = ['a', 'b', 'c'];

describe.each(TEST_DB_KINDS)('re-chunking the untouched tail of a running job on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, VOLUNTEERS);
		},
		(opened) => (db = opened)
	);

	/** Every column of every replica of the job's chunks before `seq`, as stored. */
	const headOf = async (jobId: string, seq: number) =>
		rowsOf(await db.execute(sql`select * from tasks where job_id = ${jobId} and seq < ${seq} order by seq, replica`));

	/** The chunks are numbered 0, 1, … in input order, each starting where the last ended, each with `replication` replicas. */
	async function expectWellFormed(jobId: string, replication: number) {
		const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
		const rows = (await replicasOf(db, jobId)).filter((r) => r.replica === 0);
		expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: job.totalTasks }, (_, i) => i));
		let next = 0;
		for (const r of rows) {
			expect(r.first_input).toBe(next);
			expect(r.inputs).toEqual(Array.from({ length: r.inputs.length }, (_, k) => `input ${next + k}`));
			next += r.inputs.length;
		}
		expect(next).toBe(job.totalInputs);
		const replicas = await replicasOf(db, jobId);
		for (const r of rows) expect(replicas.filter((x) => x.seq === r.seq && x.state === 'queued').length).toBeLessThanOrEqual(replication);
	}

	/** The finished job's result and its export pages, as a submitter reads them. */
	async function assembled(jobId: string) {
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		const pages: unknown[] = [];
		for await (const page of resultPages(db, jobId)) for (const row of page) pages.push(row.firstInput, row.output);
		return {
			result: JSON.stringify((await getJobStatus(db, jobId))?.result),
			outputs: JSON.stringify(pages.filter((_, i) => i % 2 === 1).flat())
		};
	}

	it.each([1, 2])('keeps the assembled output identical to the same job left alone (replication %i)', async (replication) => {
		const { id: jobId } = await makeJob(db, 37, { chunkSize: 2, replication }); // 19 chunks
		// Three chunks computed, a fourth leased and still running.
		for (let k = 0; k < 3; k++) for (const v of VOLUNTEERS.slice(0, replication)) await completeRight(db, (await claimFor(db, v))[0], v);
		const [running] = await claimFor(db, 'a');
		const head = await headOf(jobId, 4);

		expect(await rechunkJob(db, jobId, 5)).toEqual({ jobId, fromSeq: 4, before: 15, after: 6 });
		expect(await headOf(jobId, 4)).toEqual(head);
		await expectWellFormed(jobId, replication);
		expect((await replicasOf(db, jobId)).filter((r) => r.seq >= 4).length).toBe(6 * replication);

		await completeRight(db, running, 'a');
		await drain(db, VOLUNTEERS);
		const rechunked = await assembled(jobId);

		const { id: alone } = await makeJob(db, 37, { chunkSize: 2, replication });
		await drain(db, VOLUNTEERS);
		expect(rechunked).toEqual(await assembled(alone));
		expect(JSON.parse(rechunked.result)).toEqual(Array.from({ length: 37 }, (_, i) => vec(i)));
	});

	it('splits as well as merges, and leaves a job whose chunks already have that count alone', async () => {
		const { id: jobId } = await makeJob(db, 20, { chunkSize: 8 });
		expect(await rechunkJob(db, jobId, 3)).toEqual({ jobId, fromSeq: 0, before: 3, after: 7 });
		await expectWellFormed(jobId, 1);
		expect(await rechunkJob(db, jobId, 3)).toBeNull();
		await drain(db, VOLUNTEERS);
		expect(JSON.parse((await assembled(jobId)).result)).toEqual(Array.from({ length: 20 }, (_, i) => vec(i)));
	});

	it('never touches a chunk that was leased, checkpointed, released or computed, nor one before it', async () => {
		const { id: jobId } = await makeJob(db, 20, { chunkSize: 2 }); // 10 chunks
		const held = (await claimFor(db, 'a', { slots: 6 })).sort((x, y) => x.seq - y.seq); // chunks 0–5
		expect(held.map((t) => t.seq)).toEqual([0, 1, 2, 3, 4, 5]);
		await completeRight(db, held[0], 'a');
		expect(
			await checkpointTask(db, {
				taskId: held[1].id,
				leaseToken: held[1].leaseToken,
				volunteerId: 'a',
				outputs: [outputOf(held[1].inputs[0])]
			})
		).toEqual({
			kept: 1
		});
		expect(await releaseLease(db, { taskId: held[2].id, leaseToken: held[2].leaseToken, volunteerId: 'a' })).toBe(true);
		const head = await headOf(jobId, 6);

		expect(await rechunkJob(db, jobId, 3)).toEqual({ jobId, fromSeq: 6, before: 4, after: 3 });
		expect(await headOf(jobId, 6)).toEqual(head);
		await expectWellFormed(jobId, 1);

		for (const t of held.slice(3)) await completeRight(db, t, 'a');
		await drain(db, ['b', 'c']);
		expect(JSON.parse((await assembled(jobId)).result)).toEqual(Array.from({ length: 20 }, (_, i) => vec(i)));
	});

	it('counts a re-check and a replica added after a disagreement as touched, though both are queued and never leased', async () => {
		const { id: jobId } = await makeJob(db, 4, { chunkSize: 2, replication: 2 });
		const untouched = async () =>
			rowsOf<{ replica: number; state: string; attempts: number; untouched: boolean }>(
				await db.execute(
					sql`select replica, state, attempts, ${untouchedTask(2)} as untouched from tasks where job_id = ${jobId} and seq = 0 order by replica`
				)
			);
		// Replicas of chunk 0 disagree: the validator queues a third.
		await completeAs(db, (await claimFor(db, 'a'))[0], 'a');
		await completeAs(db, (await claimFor(db, 'b'))[0], 'b', 1);
		expect((await untouched()).at(-1)).toEqual({ replica: 2, state: 'queued', attempts: 0, untouched: false });
		// The third agrees with the first: accepted; a re-check of it is queued behind the volunteer's back.
		await completeAs(db, (await claimFor(db, 'c'))[0], 'c');
		const [accepted] = rowsOf<{ task_id: number }>(await db.execute(sql`select task_id from accepted_results where job_id = ${jobId}`));
		await queueLazyCheck(db, Number(accepted.task_id));
		expect((await untouched()).at(-1)).toEqual({ replica: 3, state: 'queued', attempts: 0, untouched: false });
	});

	it('does nothing to a job that has ended, or whose work is all under way', async () => {
		const { id: jobId } = await makeJob(db, 4, { chunkSize: 2 });
		await claimFor(db, 'a', { slots: 2 });
		expect(await rechunkJob(db, jobId, 1)).toBeNull();
		const { id: cancelled } = await makeJob(db, 4, { chunkSize: 2 });
		await db.update(jobs).set({ status: 'cancelled' }).where(eq(jobs.id, cancelled));
		expect(await rechunkJob(db, cancelled, 1)).toBeNull();
	});

	it.runIf(kind === 'postgres')('skips a chunk whose row a claim holds locked, and a job another transaction holds', async () => {
		const { id: jobId } = await makeJob(db, 20, { chunkSize: 2 });
		await db.transaction(async (claim) => {
			await claim.execute(sql`select id from tasks where job_id = ${jobId} and seq = 7 for update`);
			expect(await rechunkJob(db, jobId, 1)).toEqual({ jobId, fromSeq: 8, before: 2, after: 4 });
		});
		await db.transaction(async (cancel) => {
			await cancel.execute(sql`select id from jobs where id = ${jobId} for update`);
			expect(await rechunkJob(db, jobId, 4)).toBeNull();
		});
		await expectWellFormed(jobId, 1);
	});

	it("resizes the jobs the hub sized once their own pace calls for it, never a submitter's, from any hub process", async () => {
		// Stateless: what makes a job the hub's to resize is stored with it, so this call stands for any process, or one restarted.
		const tune = () => tuneChunks(db, { chunkSize: 2, targetTaskMs: 30_000 });
		const { id: sized } = await makeJob(db, 200, { chunkSize: 2, chunkSizeAuto: true });
		const { id: asked } = await makeJob(db, 200, { chunkSize: 2 });
		// The chunks themselves (their states move on as volunteers compute them).
		const layout = async (jobId: string) => (await replicasOf(db, jobId)).map((r) => [r.id, r.seq, r.first_input, r.inputs.length]);
		const askedBefore = await layout(asked);
		expect(await tune()).toEqual({ changed: [], failed: [] }); // queued, nothing measured
		// Three chunks of each job, 2 inputs per second: 60 inputs make 30 s.
		for (const v of VOLUNTEERS) for (let k = 0; k < 2; k++) await completeRight(db, (await claimFor(db, v))[0], v, 1000);
		expect(await tune()).toEqual({ changed: [{ jobId: sized, fromSeq: 3, before: 97, after: 4, size: 60 }], failed: [] });
		expect(await layout(asked)).toEqual(askedBefore);
		await expectWellFormed(sized, 1);
		// Within the hysteresis: no second change.
		expect(await tune()).toEqual({ changed: [], failed: [] });
		// Sizing off: nothing is looked at.
		expect(await tuneChunks(db, { chunkSize: 2, targetTaskMs: 0 })).toEqual({ changed: [], failed: [] });
	});
});
