/**
 * One client process of the busy-volunteer part (forked by busy-volunteers.ts): `count` simulated
 * volunteers on real Socket.IO connections, each the real work loop, each from a /24 of its own
 * (127.16.0.1 onward), running one task at a time. A task's output is what the tiny model computes
 * (onnxruntime-node, one TaskRunner shared by this process's volunteers); then the volunteer holds it
 * until `taskMs` have passed since it started the task: that hold is the simulated slow device, so a
 * task takes 2 s as on a phone, while the output handed in is still the model's real one.
 *
 * The volunteers connect paused (owners who said "not now"), so connecting thousands is not slowed by the
 * task requests of those already in, and all start together on { type: 'go' }, as when a big job reaches
 * idle volunteers.
 *
 * IPC: sends { type: 'connected' } once every volunteer is welcomed; on { type: 'go' } they turn to
 * 'always'; answers { type: 'report', from, to } (epoch ms) with the busy time and accepted tasks inside
 * that window; exits on { type: 'stop' }.
 */
import * as ort from 'onnxruntime-node';
import { io } from 'socket.io-client';
import { TaskRunner } from '../../src/lib/executor/task-runner';
import { hubFileSource } from '../../src/lib/executor/model-files';
import type { OrtRuntime } from '../../src/lib/executor/ort-runtime';
import { WorkLoop, type Executor } from '../../src/lib/volunteer/work-loop';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import type { VolunteerMode } from '../../src/lib/protocol/volunteer';

const [hubUrl, first, count, taskMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const now = () => performance.timeOrigin + performance.now();

/** Volunteer g's address: a /24 of its own, 127.(16 + g / 256).(g % 256).1. */
const address = (g: number) => `127.${16 + Math.floor(g / 256)}.${g % 256}.1`;

const runner = new TaskRunner(ort as unknown as OrtRuntime, hubFileSource(hubUrl), { intraOpNumThreads: 1 });
/** Accepted tasks: when the device started and finished each (epoch ms), and when the hub acknowledged it. */
const accepted: { start: number; end: number; ackedAt: number }[] = [];
const latencies: { at: number; ms: number }[] = [];
let failed = 0;
/** Every volunteer's mode: paused while they connect, then 'always' (go). */
let mode: VolunteerMode = 'paused';
/** Where tasks are (whole run): started on a device, computed by the model, held for the full task time. */
const counts = { started: 0, computed: 0, held: 0 };
/** Tasks a device has started and not yet seen end (by lease): when each started. */
const running = new Map<object, number>();

/**
 * The real model's output, then the hold: the device is busy from `start` until `start + taskMs`. Spans are
 * keyed by the lease object, which the work loop hands both to the executor and to its listener.
 */
function slowDevice(spans: WeakMap<object, { start: number; end: number }>): Executor {
	return {
		backend: 'native',
		async run(task, hooks, signal) {
			const start = now();
			running.set(task, start);
			counts.started++;
			const outcome = await runner.run(task, { ...hooks, signal });
			counts.computed++;
			const hold = start + taskMs - now();
			if (hold > 0)
				await new Promise<void>((resolve, reject) => {
					const timer = setTimeout(resolve, hold);
					signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
				});
			const end = now();
			counts.held++;
			spans.set(task, { start, end });
			return { ...outcome, durationMs: end - start };
		}
	};
}

function startOne(g: number): { loop: WorkLoop; socket: VolunteerSocket; welcomed: Promise<void> } {
	// localAddress reaches Node's WebSocket connect (engine.io-client passes its options through); the type does not list it.
	const options = { transports: ['websocket'], autoConnect: false, localAddress: address(g) } as Parameters<typeof io>[1];
	const socket: VolunteerSocket = io(`${hubUrl}/volunteer`, options);
	const spans = new WeakMap<object, { start: number; end: number }>();
	let identity: string | null = null;
	let welcome!: () => void;
	const welcomed = new Promise<void>((r) => (welcome = r));
	const readiness = { score: 90, ready: true };
	const loop = new WorkLoop(
		socket,
		slowDevice(spans),
		{
			credentials: async () => ({ identity, capabilities: nodeCapabilities(), mode, readiness }),
			saveIdentity: (issued) => void (identity = issued),
			readiness: () => readiness,
			mode: () => mode
		},
		{
			welcomed: () => welcome(),
			leaseAnswered: (n, ms) => n > 0 && latencies.push({ at: now(), ms }),
			taskEnded: (lease, end) => {
				const span = spans.get(lease);
				running.delete(lease);
				if (end.accepted && span) accepted.push({ ...span, ackedAt: now() });
				else failed++;
			}
		},
		// The work loop's default poll (5 s), as real volunteers: the hub's nudge on new work wakes them sooner.
		{ concurrency: 1 }
	);
	loop.start();
	return { loop, socket, welcomed };
}

const volunteers: ReturnType<typeof startOne>[] = [];
for (let i = 0; i < count; i += 250) {
	const batch = Array.from({ length: Math.min(250, count - i) }, (_, k) => startOne(first + i + k));
	volunteers.push(...batch);
	await Promise.all(batch.map((v) => v.welcomed));
}
process.send!({ type: 'connected' });

/** Until every task started before `to` has ended (its hand-in acknowledged or refused), at most 30 s. */
async function settled(to: number) {
	const deadline = now() + 30_000;
	while (now() < deadline && [...running.values()].some((start) => start < to)) await new Promise((r) => setTimeout(r, 100));
}

process.on('message', async (m: { type: 'go' } | { type: 'report'; from: number; to: number } | { type: 'stop' }) => {
	if (m.type === 'go') {
		mode = 'always';
		// Tells the hub (status) and asks for work now.
		for (const v of volunteers) v.loop.statusChanged();
	} else if (m.type === 'report') {
		await settled(m.to);
		const clip = (s: { start: number; end: number }) => Math.max(0, Math.min(s.end, m.to) - Math.max(s.start, m.from));
		process.send!({
			type: 'report',
			busyMs: accepted.reduce((sum, s) => sum + clip(s), 0),
			accepted: accepted.filter((s) => s.ackedAt >= m.from && s.ackedAt < m.to).length,
			notAccepted: failed,
			...counts,
			latencies: latencies.filter((l) => l.at >= m.from && l.at < m.to).map((l) => l.ms)
		});
	} else {
		for (const v of volunteers) {
			v.loop.stop();
			v.socket.close();
		}
		void runner.release().finally(() => process.exit(0));
	}
});
