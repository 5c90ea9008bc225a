/**
 * The work loop against a fake hub and a clock moved by hand: every wait it makes is on the clock it
 * was given (a browser tab gives it a worker's, see clock.ts), and between waits it is driven by the
 * hub's answers and nudges and the executor's progress.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Ack, ModelLimits, TaskLease } from '../protocol/events';
import type { Capabilities, VolunteerMode } from '../protocol/volunteer';
import type { RunnableTask } from '../executor/run-options';
import { renewalPeriod, WorkLoop, type Executor, type ExecutorHooks, type WorkLoopListener } from './work-loop';
import { FakeHubSocket, lease, ManualClock, settle } from './testing';
import { MAX_SENDS } from './result-batch';
import { PartialAbort } from '../executor/slices';

const capabilities: Capabilities = {
	agent: 'browser',
	backend: 'wasm',
	webgpu: null,
	cores: 4,
	deviceMemory: 8,
	crossOriginIsolated: true,
	taskTypes: ['embedding']
};

/** Runs only finish when the spec says so. */
class HeldExecutor implements Executor {
	readonly backend = 'wasm' as const;
	readonly runs: { task: RunnableTask; hooks: ExecutorHooks; signal: AbortSignal; finish(): void }[] = [];
	/** Outputs a task (by id) has finished when it is stopped: it stops with them, as a sliced run does. */
	readonly partialOnAbort = new Map<number, unknown[]>();

	run(task: RunnableTask, hooks: ExecutorHooks, signal: AbortSignal) {
		return new Promise<{ outputs: unknown[]; variant: 'fp32'; durationMs: number }>((resolve, reject) => {
			signal.addEventListener('abort', () => {
				const partial = this.partialOnAbort.get((task as TaskLease).taskId);
				reject(partial ? new PartialAbort(partial) : new DOMException('stopped', 'AbortError'));
			});
			const finish = () => resolve({ outputs: task.inputs.map(() => [1, 0]), variant: 'fp32', durationMs: 5 });
			this.runs.push({ task, hooks, signal, finish });
		});
	}

	of(l: TaskLease) {
		const run = this.runs.find((r) => r.task === l);
		if (!run) throw new Error(`task ${l.taskId} never started`);
		return run;
	}
}

const loops: WorkLoop[] = [];
afterEach(() => loops.splice(0).forEach((l) => l.stop()));

/** A volunteer whose hub hands out `queue` one request at a time, as many as asked for. */
function volunteer(queue: TaskLease[] = [], opts: { maxTasks?: number; modelLimits?: () => Promise<ModelLimits | undefined> } = {}) {
	const hub = new FakeHubSocket();
	const clock = new ManualClock();
	const executor = new HeldExecutor();
	const state = { mode: 'always' as VolunteerMode, ready: true };
	const started: number[] = [];
	hub.answer('task:request', ({ slots }) => ({ ok: true, tasks: queue.splice(0, slots) }));
	const listener: WorkLoopListener = { taskStarted: (l) => started.push(l.taskId) };
	const loop = new WorkLoop(
		hub,
		executor,
		{
			credentials: async () => ({ identity: null, capabilities, mode: state.mode, readiness: { score: 90, ready: state.ready } }),
			saveIdentity() {},
			readiness: () => ({ score: state.ready ? 90 : 0, ready: state.ready }),
			mode: () => state.mode,
			maxTasks: () => opts.maxTasks ?? 1,
			modelLimits: opts.modelLimits
		},
		listener,
		{ clock, pollMs: 5000, heartbeatMs: 10_000, renewMs: 5000 }
	);
	loops.push(loop);
	return { hub, clock, executor, state, started, listener, loop, requests: () => hub.payloads('task:request').length };
}

describe('WorkLoop', () => {
	it('authenticates in the handshake and, once welcomed, asks for as many tasks as it has slots', async () => {
		const v = volunteer([], { maxTasks: 3 });
		v.loop.start();
		await settle();
		expect(v.hub.handshakes).toEqual([expect.objectContaining({ identity: null, mode: 'always' })]);
		expect(v.hub.sent.map((m) => m.event)).toEqual(['task:request']);
		expect(v.hub.payloads('task:request')).toEqual([{ slots: 3 }]);
	});

	it('sends the owner’s model limits with each request, and asks for nothing while they cannot be read', async () => {
		let limits: () => Promise<ModelLimits | undefined> = async () => ({ only: ['demo-embedding'], maxDownloadBytes: 0, cached: [] });
		const v = volunteer([], { modelLimits: () => limits() });
		v.loop.start();
		await settle();
		expect(v.hub.payloads('task:request')).toEqual([{ slots: 1, models: { only: ['demo-embedding'], maxDownloadBytes: 0, cached: [] } }]);
		limits = () => Promise.reject(new Error('storage unavailable'));
		await v.clock.advance(5000);
		expect(v.requests()).toBe(1);
		limits = async () => undefined;
		await v.clock.advance(5000);
		expect(v.hub.payloads('task:request').at(-1)).toEqual({ slots: 1 });
	});

	it('waits for work on its clock, and asks at once when the hub says there is work', async () => {
		const v = volunteer();
		v.loop.start();
		await settle();
		expect(v.requests()).toBe(1);
		// Real time passing changes nothing: the loop waits on the clock it was given.
		await new Promise((r) => setTimeout(r, 50));
		await v.clock.advance(4999);
		expect(v.requests()).toBe(1);
		await v.clock.advance(1);
		expect(v.requests()).toBe(2);
		v.hub.push('work:available');
		await settle();
		expect(v.requests()).toBe(3);
	});

	it('reports its status on the clock’s heartbeat', async () => {
		const v = volunteer();
		v.loop.start();
		await settle();
		expect(v.hub.payloads('status')).toHaveLength(0);
		await v.clock.advance(10_000);
		expect(v.hub.payloads('status')).toEqual([{ mode: 'always', readiness: { score: 90, ready: true } }]);
		await v.clock.advance(20_000);
		expect(v.hub.payloads('status')).toHaveLength(3);
	});

	it('runs a task and hands its result in under the lease token, then asks for the next at once', async () => {
		const first = lease(1);
		const v = volunteer([first, lease(2)]);
		v.loop.start();
		await settle();
		expect(v.started).toEqual([1]);
		v.executor.of(first).finish();
		await settle();
		expect(v.hub.payloads('task:result')).toEqual([
			{
				taskId: 1,
				leaseToken: first.leaseToken,
				backend: 'wasm',
				variant: 'fp32',
				durationMs: 5,
				outputs: [
					[1, 0],
					[1, 0]
				]
			}
		]);
		expect(v.started).toEqual([1, 2]);
	});

	it('sends a result again, on its clock, while the hub cannot take it just now or does not answer, and keeps its lease renewed meanwhile', async () => {
		const first = lease(1);
		const v = volunteer([first]);
		const lines: string[] = [];
		const unavailable = (): Ack => ({
			ok: false,
			error: 'the hub cannot reach its database just now; try again',
			code: 'unavailable',
			retryAfterMs: 1000
		});
		const answers: (() => Ack)[] = [
			unavailable,
			() => {
				throw new Error('operation has timed out');
			},
			unavailable,
			() => ({ ok: true })
		];
		v.hub.answer('task:result', () => answers.shift()!());
		v.listener.log = (line) => lines.push(line);
		v.loop.start();
		await settle();
		v.executor.of(first).finish();
		await settle();
		const sends = () => v.hub.payloads('task:result').length;
		expect(sends()).toBe(1);
		await v.clock.advance(999);
		expect(sends()).toBe(1);
		await v.clock.advance(1);
		expect(sends()).toBe(2);
		// No answer at all (a hub restarting): the next wait doubles, and again after that.
		await v.clock.advance(1999);
		expect(sends()).toBe(2);
		await v.clock.advance(1);
		expect(sends()).toBe(3);
		await v.clock.advance(3999);
		expect(sends()).toBe(3);
		// Meanwhile the lease is renewed on its period, as while the task ran.
		expect(v.hub.payloads('task:progress')).toEqual([{ taskId: 1, leaseToken: first.leaseToken, done: 0 }]);
		await v.clock.advance(1);
		expect(sends()).toBe(4);
		expect(lines.filter((l) => l.startsWith('task 1'))).toEqual([expect.stringMatching(/^task 1: .* accepted$/)]);
		expect(new Set(v.hub.payloads('task:result').map((r) => r.leaseToken))).toEqual(new Set([first.leaseToken]));
		// Accepted: no more sends, and no more renewals.
		await v.clock.advance(60_000);
		expect(sends()).toBe(4);
		expect(v.hub.payloads('task:progress')).toHaveLength(1);
	});

	it('takes a final refusal as final, and gives up on a result after MAX_SENDS sends', async () => {
		const [first, second] = [lease(1), lease(2)];
		const v = volunteer([first, second]);
		const ended: string[] = [];
		v.listener.log = (line) => ended.push(line);
		v.hub.answer('task:result', ({ taskId }) =>
			taskId === 1
				? { ok: false, error: 'this lease is no longer yours', code: 'stale_lease' }
				: { ok: false, error: 'the hub cannot reach its database just now; try again', code: 'unavailable', retryAfterMs: 1000 }
		);
		v.loop.start();
		await settle();
		v.executor.of(first).finish();
		await settle();
		await v.clock.advance(60_000);
		expect(v.hub.payloads('task:result').filter((r) => r.taskId === 1)).toHaveLength(1);
		v.executor.of(second).finish();
		await settle();
		await v.clock.advance(120_000);
		expect(v.hub.payloads('task:result').filter((r) => r.taskId === 2)).toHaveLength(MAX_SENDS);
		expect(ended).toEqual([
			expect.stringMatching(/task 1: result not accepted \(this lease/),
			expect.stringMatching(/task 2: result not accepted \(the hub cannot reach/)
		]);
	});

	it('renews a running lease every renewMs of its clock with the inputs done so far, progress or not, and stops with it', async () => {
		const first = lease(1, ['a', 'b', 'c', 'd']);
		const v = volunteer([first]);
		v.loop.start();
		await settle();
		const { hooks, finish } = v.executor.of(first);
		const renewal = (done: number) => ({ taskId: 1, leaseToken: first.leaseToken, done });
		// A model still loading: nothing done yet, and the lease is renewed all the same (the hub bounds how long).
		await v.clock.advance(5000);
		expect(v.hub.payloads('task:progress')).toEqual([renewal(0)]);
		hooks.onProgress(1);
		hooks.onProgress(2);
		await v.clock.advance(4999);
		expect(v.hub.payloads('task:progress')).toEqual([renewal(0)]);
		await v.clock.advance(1);
		expect(v.hub.payloads('task:progress')).toEqual([renewal(0), renewal(2)]);
		finish();
		await settle();
		await v.clock.advance(20_000);
		expect(v.hub.payloads('task:progress')).toHaveLength(2);
	});

	it('on a hub whose leases are shorter than three renewMs, renews a third of a lease apart, running or reserved', async () => {
		const [first, second] = [lease(1, ['a', 'b', 'c', 'd']), lease(2)];
		const v = volunteer([first, second]);
		const welcome = v.hub.welcome;
		v.hub.welcome = (auth) => ({ ...welcome(auth), leaseMs: 6000 });
		v.loop.start();
		await settle();
		const { hooks } = v.executor.of(first);
		hooks.onProgress(2);
		await v.clock.advance(1999);
		expect(v.hub.payloads('task:progress')).toEqual([]);
		await v.clock.advance(1);
		expect(v.hub.payloads('task:progress')).toEqual([{ taskId: 1, leaseToken: first.leaseToken, done: 2 }]);
		// The reserved lease waits on the same period.
		hooks.onLastSlice?.();
		await settle();
		await v.clock.advance(2000);
		expect(v.hub.payloads('task:progress')).toContainEqual({ taskId: 2, leaseToken: second.leaseToken, done: 0 });
	});

	it('renews every renewMs when the welcome gives no usable lease length, and never more often than 300 ms', () => {
		expect(renewalPeriod(5000, undefined)).toBe(5000);
		expect(renewalPeriod(5000, Number.NaN)).toBe(5000);
		expect(renewalPeriod(5000, -1)).toBe(5000);
		expect(renewalPeriod(5000, 60_000)).toBe(5000);
		expect(renewalPeriod(5000, 6000)).toBe(2000);
		expect(renewalPeriod(5000, 1)).toBe(300);
	});

	it('stops a task whose renewal the hub refuses as no longer its lease, and gives nothing else up', async () => {
		const first = lease(1, ['a', 'b']);
		const v = volunteer([first]);
		v.hub.answer('task:progress', () => ({ ok: false, error: 'this lease is no longer yours', code: 'stale_lease' }));
		v.loop.start();
		await settle();
		const { signal } = v.executor.of(first);
		await v.clock.advance(5000);
		await settle();
		expect(signal.aborted).toBe(true);
		expect(v.hub.payloads('task:result')).toEqual([]);
	});

	it('reserves the next lease on the last slice, keeps it alive while it waits, and starts it the moment a slot frees', async () => {
		const [first, second] = [lease(1), lease(2)];
		const v = volunteer([first, second]);
		v.loop.start();
		await settle();
		expect(v.started).toEqual([1]);
		v.executor.of(first).hooks.onLastSlice?.();
		await settle();
		expect(v.hub.payloads('task:request')).toEqual([{ slots: 1 }, { slots: 1 }]);
		expect(v.started).toEqual([1]);
		// A long last slice: the reserved lease is renewed every renewMs while it waits.
		await v.clock.advance(10_000);
		const renewal = { taskId: 2, leaseToken: second.leaseToken, done: 0 };
		expect(v.hub.payloads('task:progress').filter((p) => p.taskId === 2)).toEqual([renewal, renewal]);
		v.executor.of(first).finish();
		await settle();
		expect(v.started).toEqual([1, 2]);
	});

	it('busy with batch work and a full reserve, asks on the interactive lane when nudged and starts that task at once', async () => {
		const [batch, reserved, interactive] = [lease(1), lease(2), lease(3)];
		const queue = [batch, reserved];
		const v = volunteer();
		v.hub.answer('task:request', (p) => ({ ok: true, tasks: p.lane === 'interactive' ? [interactive] : queue.splice(0, p.slots) }));
		v.loop.start();
		await settle();
		v.executor.of(batch).hooks.onLastSlice?.();
		await settle();
		expect(v.started).toEqual([1]);
		// Running one task and holding its reserve: an ordinary request would ask for nothing.
		v.hub.push('work:available', { lane: 'interactive' });
		await settle();
		expect(v.hub.payloads('task:request').at(-1)).toEqual({ slots: 1, lane: 'interactive' });
		// Alongside the batch task, one past its cap: it does not wait for the batch task to end.
		expect(v.started).toEqual([1, 3]);
		// Marked urgent for the executor (its worker's governor runs it ahead of the batch task's slices).
		expect(v.executor.of(interactive).hooks.urgent).toBe(true);
		expect(v.executor.of(batch).hooks.urgent).toBe(false);
		v.executor.of(interactive).finish();
		await settle();
		// The lane's slot is not a batch slot: the reserved batch lease waits for the batch task's.
		expect(v.started).toEqual([1, 3]);
		v.executor.of(batch).finish();
		await settle();
		expect(v.started).toEqual([1, 3, 2]);
	});

	it('starts at once an interactive task that came back for its reserve, urgent, beside its batch task', async () => {
		const [batch, interactive, reserved] = [lease(1), { ...lease(3), lane: 'interactive' as const }, lease(2)];
		const v = volunteer([batch, interactive, reserved]);
		v.loop.start();
		await settle();
		// Its last slice: the request for its reserve gets the interactive task, first in the hub's queue.
		v.executor.of(batch).hooks.onLastSlice?.();
		await settle();
		// It runs now, in the lane's slot, instead of waiting in reserve for the batch task to end.
		expect(v.started).toEqual([1, 3]);
		expect(v.executor.of(interactive).hooks.urgent).toBe(true);
		// The lane's slot is not a batch slot: the batch reserve asked for next waits for the batch task's.
		v.executor.of(interactive).finish();
		await settle();
		expect(v.started).toEqual([1, 3]);
		v.executor.of(batch).finish();
		await settle();
		expect(v.started).toEqual([1, 3, 2]);
		expect(v.executor.of(reserved).hooks.urgent).toBe(false);
	});

	it('runs an interactive task the hub offers at once, one past its cap while busy, and declines one past that', async () => {
		const [batch, reserved, offered, another] = [lease(1), lease(2), lease(3), lease(4)];
		const v = volunteer([batch, reserved]);
		v.loop.start();
		await settle();
		v.executor.of(batch).hooks.onLastSlice?.();
		await settle();
		const asked = v.requests();
		const answers: { taken: number[] }[] = [];
		v.hub.push('task:offer', { tasks: [offered] }, (a) => answers.push(a));
		await settle();
		// No request in between: the lease came with the offer, and it runs alongside the batch task, urgent.
		expect(v.requests()).toBe(asked);
		expect(v.started).toEqual([1, 3]);
		expect(v.executor.of(offered).hooks.urgent).toBe(true);
		// The lane's one slot is taken: a second offer is declined (the hub releases it), and nothing is given back.
		v.hub.push('task:offer', { tasks: [another] }, (a) => answers.push(a));
		await settle();
		expect(answers).toEqual([{ taken: [3] }, { taken: [] }]);
		expect(v.started).toEqual([1, 3]);
		expect(v.hub.payloads('task:release')).toEqual([]);
		v.executor.of(offered).finish();
		await settle();
		expect(v.hub.payloads('task:result').map((p) => p.taskId)).toContain(3);
		// The reserved batch lease still waits for the batch task's slot.
		expect(v.started).toEqual([1, 3]);
	});

	it('sends an interactive result at once, not behind a batch result still waiting for its answer', async () => {
		const [batch, offered] = [lease(1), lease(3)];
		const v = volunteer([batch]);
		let answerBatch = () => {};
		// The hub holds the batch result's answer (its commit is slow); the interactive one it answers at once.
		v.hub.answer('task:result', ({ taskId }) =>
			taskId === 1 ? (new Promise((r) => (answerBatch = () => r({ ok: true }))) as unknown as { ok: true }) : { ok: true }
		);
		v.loop.start();
		await settle();
		v.hub.push('task:offer', { tasks: [offered] }, () => {});
		await settle();
		v.executor.of(batch).finish();
		await settle();
		v.executor.of(offered).finish();
		await settle();
		expect(v.hub.payloads('task:result').map((p) => p.taskId)).toEqual([1, 3]);
		answerBatch();
		await settle();
		expect(v.hub.payloads('task:result').map((p) => p.taskId)).toEqual([1, 3]);
	});

	it('declines an offered task while paused', async () => {
		const offered = lease(3);
		const v = volunteer([]);
		v.loop.start();
		await settle();
		v.state.mode = 'paused';
		v.loop.statusChanged();
		let answer: { taken: number[] } | null = null;
		v.hub.push('task:offer', { tasks: [offered] }, (a) => (answer = a));
		await settle();
		expect(v.started).toEqual([]);
		expect(answer).toEqual({ taken: [] });
	});

	it('idle, takes an interactive nudge as an ordinary request: no lane needed', async () => {
		const v = volunteer([]);
		v.loop.start();
		await settle();
		v.hub.push('work:available', { lane: 'interactive' });
		await settle();
		expect(v.hub.payloads('task:request')).toEqual([{ slots: 1 }, { slots: 1 }]);
	});

	it('gives the running and the reserved lease back when the owner pauses', async () => {
		const [first, second] = [lease(1), lease(2)];
		const v = volunteer([first, second]);
		v.loop.start();
		await settle();
		v.executor.of(first).hooks.onLastSlice?.();
		await settle();
		v.state.mode = 'paused';
		v.loop.statusChanged();
		await settle();
		expect(v.hub.payloads('task:release').map((p) => p.taskId)).toEqual([2, 1]);
		expect(v.hub.payloads('status').at(-1)?.mode).toBe('paused');
		// Paused, it asks for nothing, however long it waits.
		const asked = v.requests();
		await v.clock.advance(60_000);
		expect(v.requests()).toBe(asked);
	});

	it('stops a cancelled task and forgets its reserved lease', async () => {
		const [first, second] = [lease(1), lease(2)];
		const v = volunteer([first, second]);
		v.loop.start();
		await settle();
		v.executor.of(first).hooks.onLastSlice?.();
		await settle();
		v.hub.push('task:cancelled', { taskIds: [1, 2] });
		await settle();
		expect(v.executor.of(first).signal.aborted).toBe(true);
		await v.clock.advance(10_000);
		expect(v.hub.payloads('task:progress')).toEqual([]);
	});

	it('drops everything when the connection drops, authenticates again when it returns, and then gives back what it dropped', async () => {
		const [first, second] = [lease(1), lease(2)];
		const v = volunteer([first, second]);
		v.loop.start();
		await settle();
		v.executor.of(first).hooks.onLastSlice?.();
		await settle();
		v.hub.drop();
		await settle();
		expect(v.executor.of(first).signal.aborted).toBe(true);
		// Nothing goes out while disconnected.
		expect(v.hub.payloads('task:release')).toEqual([]);
		v.hub.connect();
		await settle();
		expect(v.hub.handshakes).toHaveLength(2);
		// Welcomed back, it gives back the running and the reserved lease: a hub that crashed never released them
		// (one that saw the connection drop did, and refuses these as stale).
		expect(v.hub.payloads('task:release')).toEqual(
			expect.arrayContaining([
				{ taskId: 1, leaseToken: first.leaseToken },
				{ taskId: 2, leaseToken: second.leaseToken }
			])
		);
		expect(v.hub.payloads('task:release')).toHaveLength(2);
		// Once only: a second reconnection sends nothing more.
		v.hub.drop();
		v.hub.connect();
		await settle();
		expect(v.hub.payloads('task:release')).toHaveLength(2);
	});

	it('hands the inputs a dropped connection interrupted back as a checkpoint when welcomed back', async () => {
		const first = lease(1, ['a', 'b', 'c']);
		const v = volunteer([first]);
		v.loop.start();
		await settle();
		const { signal } = v.executor.of(first);
		v.executor.partialOnAbort.set(1, [[1, 0]]);
		v.hub.drop();
		await settle();
		expect(signal.aborted).toBe(true);
		expect(v.hub.payloads('task:checkpoint')).toEqual([]);
		v.hub.connect();
		await settle();
		expect(v.hub.payloads('task:checkpoint')).toEqual([{ taskId: 1, leaseToken: first.leaseToken, outputs: [[1, 0]] }]);
	});

	it('leaves no timer behind when stopped', async () => {
		const v = volunteer();
		v.loop.start();
		await settle();
		expect(v.clock.pending).toBe(2);
		v.loop.stop();
		await settle();
		expect(v.clock.pending).toBe(0);
	});
});
