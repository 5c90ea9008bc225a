/**
 * The interactive lane end to end on a real hub (Socket.IO, claims, PostgreSQL and PGlite): who is offered
 * or told of an interactive job, and that a volunteer busy with batch work, its reserve full, runs it next. The
 * volunteer is the real work loop; only its executor is held by hand (as in work-loop.spec.ts), because
 * what is checked is the order tasks start in, which no real model run could pin.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { jobs, tasks, volunteerSessions } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from './testing';
import { nodeCapabilities, serverReadiness } from '../../headless/headless-volunteer';
import { WorkLoop, type Executor } from '../../volunteer/work-loop';
import type { TaskLease, WorkNudge } from '../../protocol/events';
import type { RunnableTask } from '../../executor/run-options';
import type { VolunteerSocket } from '../../volunteer/volunteer-socket';

describe.each(TEST_DB_KINDS)('interactive lane on a hub on %s', (kind) => {
	let testHub: TestHub;
	const loops: WorkLoop[] = [];
	const sockets: VolunteerSocket[] = [];

	beforeAll(async () => {
		testHub = await startTestHub({ kind, env: { EXOSTACK_SPOT_CHECK_RATE: '0', EXOSTACK_LAZY_CHECK_RATE: '0' } });
	});
	afterEach(async () => {
		loops.splice(0).forEach((l) => l.stop());
		sockets.splice(0).forEach((s) => s.close());
		const { db } = testHub.hub;
		// The next test's nudges go to its own volunteers only once these sessions are gone.
		await expect.poll(() => db.$count(volunteerSessions), { timeout: 10_000 }).toBe(0);
		await testHub.cancelOpenJobs();
	});
	afterAll(() => testHub?.stop());

	const auth = () => ({ identity: null, capabilities: nodeCapabilities(), mode: 'always' as const, readiness: serverReadiness('always') });

	async function leasedTo(volunteerId: string) {
		return testHub.hub.db
			.select({ id: tasks.id })
			.from(tasks)
			.where(and(eq(tasks.leaseVolunteer, volunteerId), eq(tasks.state, 'leased')));
	}

	it('leases the task at once to the ready volunteer holding the fewest leases and pushes it there, telling nobody else', async () => {
		sockets.push(testHub.volunteer({ auth: auth() }), testHub.volunteer({ auth: auth() }), testHub.volunteer({ auth: auth() }));
		await Promise.all(sockets.map((s) => welcomed(s)));
		const [busy, some, idle] = sockets;
		const nudges = sockets.map(() => [] as (WorkNudge | undefined)[]);
		const offers = sockets.map(() => [] as TaskLease[]);
		sockets.forEach((s, i) => {
			s.on('work:available', (n) => nudges[i].push(n));
			s.on('task:offer', ({ tasks }, ack) => {
				offers[i].push(...tasks);
				ack({ taken: tasks.map((t) => t.taskId) });
			});
		});
		await testHub.submit(['a', 'b', 'c'], { chunk_size: 1 });
		const batch = granted(await replyTo(busy, 'task:request', { slots: 2 })).tasks;
		expect(batch.map((t) => t.lane)).toEqual([undefined, undefined]);
		expect(granted(await replyTo(some, 'task:request', { slots: 1 })).tasks).toHaveLength(1);
		// Asked too, and found nothing left: the hub has its request's model limits now, for an offer.
		expect(granted(await replyTo(idle, 'task:request', { slots: 1 })).tasks).toHaveLength(0);
		await testHub.submit(['now'], { priority: 'interactive' });
		await expect.poll(() => offers[2].length, { timeout: 10_000 }).toBe(1);
		const [offered] = offers[2];
		expect(offered.inputs).toEqual(['now']);
		// Marked as the lane's, so the volunteer starts it at once however it came; batch leases are not.
		expect(offered.lane).toBe('interactive');
		// A lease like any claim's: in the database under the token the volunteer was sent.
		const [row] = await testHub.hub.db
			.select({ state: tasks.state, leaseToken: tasks.leaseToken, leasedAt: tasks.leasedAt, createdAt: jobs.createdAt })
			.from(tasks)
			.innerJoin(jobs, eq(jobs.id, tasks.jobId))
			.where(eq(tasks.id, offered.taskId));
		expect(row).toMatchObject({ state: 'leased', leaseToken: offered.leaseToken });
		// Stored by the claim that leased it (claim-rider.ts), so no other claim could see it queued: one transaction,
		// one now(). Stored first and claimed after, it was leased a few milliseconds after it was created.
		expect(row.leasedAt).toEqual(row.createdAt);
		// Anything sent to the others before these round trips has arrived by their end: no offer, no nudge.
		await Promise.all([busy, some].map((s) => replyTo(s, 'status', { mode: 'always', readiness: serverReadiness('always') })));
		expect([offers[0], offers[1]]).toEqual([[], []]);
		expect(nudges.map((n) => n.filter((x) => x?.lane === 'interactive').length)).toEqual([0, 0, 0]);
	});

	it('offers the task to the next volunteer when the first declines it, and nudges them all when every one does', async () => {
		sockets.push(testHub.volunteer({ auth: auth() }), testHub.volunteer({ auth: auth() }));
		await Promise.all(sockets.map((s) => welcomed(s)));
		// Both have asked for work (nothing is queued), so both can be offered to.
		for (const s of sockets) expect(granted(await replyTo(s, 'task:request', { slots: 1 })).tasks).toHaveLength(0);
		/** How many more offers are declined, whoever gets them. */
		let declines = 1;
		const offered: { socket: number; input: string }[] = [];
		const nudged = [0, 0];
		sockets.forEach((s, i) => {
			s.on('work:available', (n) => n?.lane === 'interactive' && nudged[i]++);
			s.on('task:offer', ({ tasks }, ack) => {
				offered.push({ socket: i, input: tasks[0].inputs[0] });
				ack({ taken: declines-- > 0 ? [] : tasks.map((t) => t.taskId) });
			});
		});
		await testHub.submit(['one'], { priority: 'interactive' });
		// Declined by the first volunteer offered it, released, and taken by the other.
		await expect.poll(() => offered.length, { timeout: 10_000 }).toBe(2);
		expect(offered.map((o) => o.input)).toEqual(['one', 'one']);
		expect(new Set(offered.map((o) => o.socket)).size).toBe(2);
		const [row] = await testHub.hub.db
			.select({ state: tasks.state, holder: tasks.leaseSession })
			.from(tasks)
			.where(eq(tasks.inputs, ['one']));
		expect(row).toEqual({ state: 'leased', holder: sockets[offered[1].socket].id });
		// Now every one declines: the task is back in the queue and both are told to ask.
		declines = Infinity;
		offered.length = 0;
		await testHub.submit(['two'], { priority: 'interactive' });
		await expect.poll(() => nudged, { timeout: 10_000 }).toEqual([1, 1]);
		expect(offered.map((o) => o.input)).toEqual(['two', 'two']);
		const [back] = await testHub.hub.db
			.select({ state: tasks.state })
			.from(tasks)
			.where(eq(tasks.inputs, ['two']));
		expect(back).toEqual({ state: 'queued' });
	});

	it('knows which of its connections could take an interactive task now, those holding the fewest leases first', async () => {
		sockets.push(...[0, 1, 2, 3].map(() => testHub.volunteer({ auth: auth() })));
		await Promise.all(sockets.map((s) => welcomed(s)));
		// The fourth never asks for work: an offer would not know its owner's model limits.
		const [busy, idle, paused] = sockets;
		const ready = () => testHub.hub.notify.laneReady('embedding', 4).map((id) => sockets.findIndex((s) => s.id === id));
		await testHub.submit(['a', 'b', 'c'], { chunk_size: 1 });
		const [first, second] = granted(await replyTo(busy, 'task:request', { slots: 2 })).tasks;
		expect(granted(await replyTo(idle, 'task:request', { slots: 1 })).tasks).toHaveLength(1);
		expect(granted(await replyTo(paused, 'task:request', { slots: 1 })).tasks).toHaveLength(0);
		// Paused by its owner: its gate is shut.
		granted(await replyTo(paused, 'status', { mode: 'paused', readiness: serverReadiness('always') }));
		expect(ready()).toEqual([1, 0]);
		expect(testHub.hub.notify.laneReady('embedding', 1)).toEqual([idle.id]);
		// A lease the volunteer ends no longer counts: busy holds one, as idle does, then none.
		granted(await replyTo(busy, 'task:release', { taskId: first.taskId, leaseToken: first.leaseToken }));
		expect(ready().sort()).toEqual([0, 1]);
		granted(await replyTo(busy, 'task:release', { taskId: second.taskId, leaseToken: second.leaseToken }));
		expect(ready()).toEqual([0, 1]);
		expect(testHub.hub.notify.laneReady('text_generation', 4)).toEqual(
			nodeCapabilities().taskTypes.includes('text_generation') ? [busy.id, idle.id] : []
		);
	});

	it('nudges the ready volunteers to ask on the lane when none can be offered it (none has asked for work yet)', async () => {
		sockets.push(testHub.volunteer({ auth: auth() }), testHub.volunteer({ auth: auth() }));
		await Promise.all(sockets.map((s) => welcomed(s)));
		const nudges = sockets.map(() => [] as (WorkNudge | undefined)[]);
		const offers = sockets.map(() => 0);
		sockets.forEach((s, i) => {
			s.on('work:available', (n) => nudges[i].push(n));
			s.on('task:offer', () => offers[i]++);
		});
		// No request seen from either, so no model limits of their owners to claim by: they are told instead.
		await testHub.submit(['now'], { priority: 'interactive' });
		const lane = (i: number) => nudges[i].filter((n) => n?.lane === 'interactive').length;
		await expect.poll(() => [lane(0), lane(1)], { timeout: 10_000 }).toEqual([1, 1]);
		expect(offers).toEqual([0, 0]);
		// One takes it with an ordinary request: marked as the lane's all the same, so it is started at once.
		const [taken] = granted(await replyTo(sockets[0], 'task:request', { slots: 1 })).tasks;
		expect(taken.inputs).toEqual(['now']);
		expect(taken.lane).toBe('interactive');
	});

	it('a volunteer busy with batch work, its reserve full, is offered the interactive task and starts it at once', async () => {
		const started: TaskLease[] = [];
		const runs = new Map<number, { finish(): void; lastSlice(): void }>();
		const executor: Executor = {
			backend: 'native',
			run: (task: RunnableTask, hooks, signal) =>
				new Promise((resolve, reject) => {
					const lease = task as TaskLease;
					started.push(lease);
					signal.addEventListener('abort', () => reject(new DOMException('stopped', 'AbortError')));
					runs.set(lease.taskId, {
						finish: () => resolve({ outputs: task.inputs.map(() => Array(64).fill(0.125)), variant: 'fp32', durationMs: 1 }),
						lastSlice: () => hooks.onLastSlice?.()
					});
				})
		};
		const batchJob = await testHub.submit(['b1', 'b2', 'b3', 'b4'], { chunk_size: 1, priority: 'high' });
		const socket = testHub.volunteer({ autoConnect: false });
		sockets.push(socket);
		let volunteerId = '';
		socket.on('welcome', (w) => (volunteerId = w.volunteerId));
		const loop = new WorkLoop(socket, executor, {
			credentials: async () => auth(),
			saveIdentity() {},
			readiness: () => serverReadiness('always'),
			mode: () => 'always',
			maxTasks: () => 1
		});
		loops.push(loop);
		loop.start();
		await expect.poll(() => started.length, { timeout: 10_000 }).toBe(1);
		const running = started[0];
		runs.get(running.taskId)!.lastSlice();
		// Its last slice: it reserves the next batch task, and now holds all its session may.
		await expect.poll(async () => (await leasedTo(volunteerId)).length, { timeout: 10_000 }).toBe(2);
		const interactiveJob = await testHub.submit(['please answer now'], { priority: 'interactive' });
		// Started alongside the batch task, which is still running.
		await expect.poll(() => started.length, { timeout: 10_000 }).toBe(2);
		expect(started[1].jobId).toBe(interactiveJob);
		runs.get(started[1].taskId)!.finish();
		await expect.poll(async () => (await leasedTo(volunteerId)).length, { timeout: 10_000 }).toBe(2);
		expect(started).toHaveLength(2);
		// The reserved batch task starts in the batch task's slot, once it is free.
		runs.get(running.taskId)!.finish();
		await expect.poll(() => started.length, { timeout: 10_000 }).toBe(3);
		expect(started[2].jobId).toBe(batchJob);
	});
});
