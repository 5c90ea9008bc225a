/**
 * The volunteer-work service's batching: renewals, releases and status reports arriving together are
 * written in one statement each, as results are (group-commit.ts), and each caller still gets its own answer.
 * The database is counted by wrapping the hub's: every statement these verbs send goes through execute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from '../db';
import { tasks } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Notifier } from '../notifier';
import { startTestHub, type TestHub } from '../realtime/testing';
import { openSession } from '../volunteers/sessions';
import { nodeCapabilities } from '../../headless/headless-volunteer';
import { claimTasks } from './claim-tasks';
import { VolunteerWork } from './volunteer-work';
import { completeGroup } from './complete-group';
import { cancelJob } from './cancel-job';
import type { LeaseBook } from './lease-book';
import type { WorkSession } from './work-types';

const VOLUNTEERS = 12;
const dialect = new PgDialect();

describe.each(TEST_DB_KINDS)('volunteer work on %s', (kind) => {
	let testHub: TestHub;
	let statements = 0;
	/** Queries begun with db.select(). */
	let selects = 0;
	/** The statements sent through execute, as text. */
	const sent: string[] = [];
	let work: VolunteerWork;
	let db: Db;

	beforeAll(async () => {
		testHub = await startTestHub({ kind });
		const { hub } = testHub;
		const counted = new Proxy(hub.db, {
			get(target, key, receiver) {
				const value = Reflect.get(target, key, receiver);
				if (key === 'select') {
					selects++;
					return value;
				}
				if (key !== 'execute') return value;
				return (...args: unknown[]) => {
					statements++;
					sent.push(dialect.sqlToQuery(args[0] as SQL).sql);
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		}) as Db;
		db = counted;
		// Renewals and status reports announce nothing: a notifier that would throw if they did.
		work = new VolunteerWork({ ...hub, db: counted, config: hub.config }, {} as Notifier);
	});
	afterAll(() => testHub?.stop());

	async function sessions(prefix = ''): Promise<WorkSession[]> {
		const { hub } = testHub;
		const out: WorkSession[] = [];
		for (let i = 0; i < VOLUNTEERS; i++) {
			const s: WorkSession = {
				sessionId: `${prefix}s${i}`,
				volunteerId: `${prefix}v${i}`,
				capabilities: nodeCapabilities(),
				mode: 'always',
				readiness: { score: 90, ready: true },
				gateOpen: true,
				network: `${prefix}net${i}`
			};
			await openSession(hub.db, { ...s, id: s.sessionId, hubId: hub.id, readyForAi: true });
			out.push(s);
		}
		return out;
	}

	/** A job of one one-input task per session, each session leased one of them. */
	async function oneLeaseEach(all: WorkSession[], tag: string) {
		const jobId = await testHub.submit(
			all.map((_, i) => `${tag} ${i}`),
			{ chunk_size: 1 }
		);
		const leases: { id: number; leaseToken: string }[] = [];
		for (const s of all)
			leases.push(
				...(await claimTasks(testHub.hub.db, { ...s, backendClass: 'native', slots: 1, taskTypes: ['embedding'], leaseMs: 60_000 }))
			);
		expect(leases).toHaveLength(all.length);
		return { jobId, leases };
	}

	it('renews the leases of many volunteers asking together in one statement, each with its own answer', async () => {
		const all = await sessions();
		const { leases } = await oneLeaseEach(all, 'input');
		statements = 0;
		const answers = await Promise.all(
			all.map((s, i) => work.renew(s, { taskId: leases[i].id, leaseToken: i === 0 ? crypto.randomUUID() : leases[i].leaseToken, done: 1 }))
		);
		expect(statements).toBe(1);
		expect(answers[0]).toMatchObject({ ok: false, code: 'stale_lease' });
		for (const a of answers.slice(1)) expect(a).toMatchObject({ ok: true, leaseExpiresAt: expect.any(Number) });

		statements = 0;
		const gates = await Promise.all(all.map((s) => work.status(s, { mode: 'paused', readiness: { score: 90, ready: true } })));
		expect(statements).toBe(1);
		expect(gates).toEqual(all.map(() => false));
	});

	it('gives back the leases of many volunteers yielding together in one statement, each with its own answer', async () => {
		const { hub } = testHub;
		const all = await sessions('yield-');
		const { jobId, leases } = await oneLeaseEach(all, 'yield');
		let announced = 0;
		const yielding = new VolunteerWork({ ...hub, db, config: hub.config }, { workAvailable: () => announced++ } as unknown as Notifier);
		sent.length = 0;
		// The first with a forged token, the second twice in the same group: each fenced, each answered.
		const answers = await Promise.all([
			...all.map((s, i) => yielding.release(s, { taskId: leases[i].id, leaseToken: i === 0 ? crypto.randomUUID() : leases[i].leaseToken })),
			yielding.release(all[1], { taskId: leases[1].id, leaseToken: leases[1].leaseToken })
		]);
		expect(sent.filter((q) => q.startsWith('update "tasks" set "state"'))).toHaveLength(1);
		expect(answers[0]).toMatchObject({ ok: false, code: 'stale_lease' });
		expect(answers.slice(1, VOLUNTEERS)).toEqual(all.slice(1).map(() => ({ ok: true })));
		expect(answers[VOLUNTEERS]).toMatchObject({ ok: false, code: 'stale_lease' });
		expect(announced).toBe(VOLUNTEERS - 1);
		const states = await hub.db
			.select({ id: tasks.id, state: tasks.state, leaseToken: tasks.leaseToken })
			.from(tasks)
			.where(
				inArray(
					tasks.id,
					leases.map((l) => l.id)
				)
			);
		const byId = new Map(states.map((t) => [t.id, t]));
		expect(byId.get(leases[0].id)).toMatchObject({ state: 'leased', leaseToken: leases[0].leaseToken });
		for (const l of leases.slice(1)) expect(byId.get(l.id)).toMatchObject({ state: 'queued', leaseToken: null });
		await cancelJob(hub.db, jobId); // its requeued tasks would go to the next test's claims
	});

	it('keeps each lease it grants for its result, settles it without reading the lease again, and still fences it', async () => {
		const { hub } = testHub;
		const [a, b, c] = await sessions('book-');
		const jobId = await testHub.submit(['x', 'y', 'z'], { chunk_size: 1 });
		const notify = { jobChanged() {}, workAvailable() {}, tasksCancelled() {}, chunkAccepted() {}, laneWork() {} } as unknown as Notifier;
		const granting = new VolunteerWork({ ...hub, db, config: hub.config }, notify);
		const book = (granting as unknown as { book: LeaseBook }).book;
		const [la] = await granting.lease(a, { slots: 1 });
		const [lb] = await granting.lease(b, { slots: 1 });
		const [lc] = await granting.lease(c, { slots: 1 });
		expect(book.size).toBe(3);
		const result = (l: { taskId: number; leaseToken: string }, volunteerId: string, leaseToken = l.leaseToken) => ({
			taskId: l.taskId,
			leaseToken,
			volunteerId,
			backend: 'native' as const,
			resultClass: 'native',
			variant: 'fp32' as const,
			durationMs: 5,
			outputs: [Array(64).fill(0.125)]
		});
		// Settling leases as the book knows them reads none of them: not one query built with db.select.
		const known = [book.take(result(la, a.volunteerId)), book.take(result(lb, b.volunteerId))];
		expect(known.every(Boolean)).toBe(true);
		// b's lease is released before its result comes: the book still has it, the fence does not.
		await granting.release(b, { taskId: lb.taskId, leaseToken: lb.leaseToken });
		selects = 0;
		const outcomes = await completeGroup(db, [result(la, a.volunteerId), result(lb, b.volunteerId)], hub.config.policy, known);
		expect(selects).toBe(0);
		expect(outcomes.map((o) => (o.stored ? o.settlement.outcome : o.reason))).toEqual(['accepted', 'stale_lease']);
		// Through the service: a forged token is not in the book, is read, and refused; the real one is settled.
		expect(await granting.handIn(c, result(lc, c.volunteerId, crypto.randomUUID()))).toMatchObject({ ok: false, code: 'stale_lease' });
		expect(book.size).toBe(1);
		expect(await granting.handIn(c, result(lc, c.volunteerId))).toEqual({ ok: true });
		expect(book.size).toBe(0);
		await granting.drain();
		await cancelJob(hub.db, jobId);
	});

	it('places its leases within their job from the book, reading only leases it did not grant', async () => {
		const { hub } = testHub;
		const [a, b] = await sessions('offsets-');
		const jobId = await testHub.submit(['x', 'y', 'z', 'w'], { chunk_size: 2 });
		const notify = { jobChanged() {}, workAvailable() {}, tasksCancelled() {}, chunkAccepted() {}, laneWork() {} } as unknown as Notifier;
		const granting = new VolunteerWork({ ...hub, db, config: hub.config }, notify);
		const mine = await granting.lease(a, { slots: 1 });
		// Leased by another process (a claim of its own): not in this one's book.
		const [theirs] = await claimTasks(hub.db, {
			sessionId: b.sessionId,
			volunteerId: b.volunteerId,
			backendClass: 'native',
			slots: 1,
			taskTypes: ['embedding'],
			leaseMs: 60_000
		});
		selects = 0;
		const known = await granting.firstInputs(a, mine);
		// A streamed completion's lease used to wait for this read after its claim, before going out.
		expect(selects).toBe(0);
		const [row] = await hub.db.select({ first: tasks.firstInput }).from(tasks).where(eq(tasks.id, mine[0].taskId));
		expect([...known.entries()]).toEqual([[mine[0].taskId, row.first]]);
		const read = await granting.firstInputs(b, [{ taskId: theirs.id, leaseToken: theirs.leaseToken }]);
		expect(selects).toBe(1);
		expect(read.get(theirs.id)).toBe(theirs.firstInput);
		await cancelJob(hub.db, jobId);
	});

	it('commits an interactive task’s result at once on its own, while batch results wait for company', async () => {
		const { hub } = testHub;
		const [a, b] = await sessions('lane-');
		const quiet = new Proxy({}, { get: () => () => {} }) as Notifier;
		// The first group of results is held in flight until released, so the next results wait for company. On the
		// hub's own database, not the counted one: this test's later finish checks must not land in the next test's count.
		let release = () => {};
		const held = new Promise<void>((r) => (release = r));
		let holding = false;
		const holdFirstHandIn = new Proxy(hub.db, {
			get(target, key, receiver) {
				const value = Reflect.get(target, key, receiver);
				if (key !== 'execute') return value;
				return async (...args: unknown[]) => {
					if (!holding && dialect.sqlToQuery(args[0] as SQL).sql.includes('with input as')) {
						holding = true;
						await held;
					}
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		}) as Db;
		// Results wait a minute for company while a commit is in flight: only one committed on its own comes back sooner.
		const groupCommit = { ms: 60_000, max: 64 };
		// No lazy re-checks: one queued after the jobs complete would be the next test's first lease.
		const policy = { ...hub.config.policy, lazyCheckRate: 0 };
		const handing = new VolunteerWork({ ...hub, db: holdFirstHandIn, config: { ...hub.config, groupCommit, policy } }, quiet);
		const batchJob = await testHub.submit(['x', 'y'], { chunk_size: 1 });
		const laneJob = await testHub.submit(['q'], { chunk_size: 1, priority: 'interactive' });
		const [lane] = await handing.lease(a, { slots: 1 });
		expect(lane.jobId).toBe(laneJob);
		const batch = await handing.lease(b, { slots: 2 });
		expect(batch.map((l) => l.jobId)).toEqual([batchJob, batchJob]);
		const result = (l: { taskId: number; leaseToken: string }) => ({
			taskId: l.taskId,
			leaseToken: l.leaseToken,
			backend: 'native' as const,
			variant: 'fp32' as const,
			durationMs: 5,
			outputs: [Array(64).fill(0.125)]
		});
		const first = handing.handIn(b, result(batch[0]));
		await expect.poll(() => holding).toBe(true);
		// The first batch result's commit is in flight: the second waits for company, the interactive one does not.
		let secondDone = false;
		const second = handing.handIn(b, result(batch[1])).then((ack) => ((secondDone = true), ack));
		expect(await handing.handIn(a, result(lane))).toEqual({ ok: true });
		expect(secondDone).toBe(false);
		release();
		expect(await first).toEqual({ ok: true });
		await handing.drain();
		expect(await second).toEqual({ ok: true });
	});

	it('checks once whether a job is finished for its results handed in together, not once a result', async () => {
		const { hub } = testHub;
		const all = await sessions('hand-in-');
		await testHub.submit(
			Array.from({ length: VOLUNTEERS * 2 }, (_, i) => `input ${i}`),
			{ chunk_size: 1 }
		);
		const jobChanged: string[] = [];
		const accepted: { jobId: string; firstInput: number; outputs: unknown[] }[] = [];
		const notify = {
			jobChanged: (id: string) => jobChanged.push(id),
			workAvailable() {},
			tasksCancelled() {},
			chunkAccepted: (jobId: string, chunk: { firstInput: number; outputs: unknown[] }) => accepted.push({ jobId, ...chunk })
		} as unknown as Notifier;
		const handing = new VolunteerWork({ ...hub, db, config: hub.config }, notify);
		const leases: Awaited<ReturnType<typeof claimTasks>> = [];
		for (const s of all)
			leases.push(...(await claimTasks(hub.db, { ...s, backendClass: 'native', slots: 1, taskTypes: ['embedding'], leaseMs: 60_000 })));
		expect(leases).toHaveLength(VOLUNTEERS);
		sent.length = 0;
		const acks = await Promise.all(
			all.map((s, i) =>
				handing.handIn(s, {
					taskId: leases[i].id,
					leaseToken: leases[i].leaseToken,
					backend: 'native',
					variant: 'fp32',
					durationMs: 5,
					outputs: [Array(64).fill(0.125)]
				})
			)
		);
		expect(acks).toEqual(all.map(() => ({ ok: true })));
		// Each accepted chunk is told with its outputs and its place in the job, for a /v1 request to answer from (job-ends.ts).
		expect(accepted).toHaveLength(VOLUNTEERS);
		expect(new Set(accepted.map((a) => a.firstInput)).size).toBe(VOLUNTEERS);
		for (const a of accepted)
			expect(a).toEqual({ jobId: expect.any(String), firstInput: expect.any(Number), outputs: [Array(64).fill(0.125)] });
		// The checks run after the acknowledgements: wait until the job's change has been told.
		await expect.poll(() => jobChanged.length).toBeGreaterThan(0);
		await new Promise((r) => setTimeout(r, 100));
		const checks = sent.filter((q) => q.includes('with finished as')).length;
		// Twelve results of one job: one check for the first, one shared by those settled while it ran.
		expect(checks).toBeGreaterThan(0);
		expect(checks).toBeLessThanOrEqual(2);
		await handing.drain();
	});
});
