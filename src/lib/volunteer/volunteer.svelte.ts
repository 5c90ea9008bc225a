/**
 * A volunteer tab's state and its work loop: connect, say hello, ask for work when ready, run each
 * task in the inference worker, hand the result back under its lease token. Components render this
 * and call its verbs; they hold no logic of their own.
 */
import { io, type Socket } from 'socket.io-client';
import { VOLUNTEER_NAMESPACE, type TaskLease, type VolunteerClientToServer, type VolunteerServerToClient } from '$lib/protocol/events';
import type { Backend, Capabilities, Readiness, VolunteerMode } from '$lib/protocol/volunteer';
import { TaskRunner } from '$lib/executor/task-runner';
import { detectCapabilities } from './capabilities';
import { loadIdentity, saveIdentity } from './identity-store';
import { InferenceClient } from './inference-client';
import type { VolunteerSettings } from './settings';
import { currentReadiness } from './readiness';

type VolunteerSocket = Socket<VolunteerServerToClient, VolunteerClientToServer>;
export type ConnectionState = 'starting' | 'connecting' | 'connected' | 'offline';

const ACK_MS = 15_000;
/** Idle volunteers also ask on this period, in case a work:available nudge was missed. */
const POLL_MS = 5_000;
/** Lease renewals are sent at most this often while a task progresses. */
const RENEW_MS = 5_000;

export class Volunteer {
	connection = $state<ConnectionState>('starting');
	mode = $state<VolunteerMode>('always');
	backend = $state<Backend | null>(null);
	threads = $state(0);
	volunteerId = $state<string | null>(null);
	model = $state<string | null>(null);
	current = $state<{ taskId: number; done: number; total: number } | null>(null);
	tasksDone = $state(0);
	inputsDone = $state(0);
	/** Inputs per second, smoothed over recent tasks. */
	throughput = $state(0);
	error = $state<string | null>(null);
	log = $state<string[]>([]);

	private socket: VolunteerSocket | null = null;
	private client: InferenceClient | null = null;
	private capabilities: Capabilities | null = null;
	private running: { lease: TaskLease; workerId: number } | null = null;
	private wakeUp: () => void = () => {};
	private stopped = false;

	constructor(private readonly settings: VolunteerSettings) {
		this.mode = settings.mode;
	}

	get readiness(): Readiness {
		return currentReadiness(this.mode);
	}

	async start() {
		try {
			const caps = await detectCapabilities(TaskRunner.taskTypes, this.settings.backend !== 'wasm');
			this.client = new InferenceClient();
			const threads = this.settings.threads || caps.cores;
			const ready = await this.client.init(caps.backend === 'webgpu' ? 'webgpu' : 'wasm', threads);
			this.capabilities = { ...caps, backend: ready.backend };
			this.backend = ready.backend;
			this.threads = ready.threads;
			this.note(`compute ready: ${ready.backend}${ready.backend === 'wasm' ? `, ${ready.threads} thread(s)` : ''}`);
		} catch (e) {
			this.error = `could not start the inference worker: ${(e as Error).message}`;
			return;
		}
		this.connect();
		void this.loop();
	}

	stop() {
		this.stopped = true;
		this.socket?.close();
		this.client?.terminate();
		this.wakeUp();
	}

	setMode(mode: VolunteerMode) {
		this.mode = mode;
		this.socket?.emit('status', { mode, readiness: this.readiness }, () => {});
		if (mode === 'paused' && this.running) this.client?.cancel(this.running.workerId);
		this.wakeUp();
	}

	private connect() {
		this.connection = 'connecting';
		const socket: VolunteerSocket = io(VOLUNTEER_NAMESPACE, { transports: ['websocket'] });
		this.socket = socket;
		socket.on('connect', () => void this.hello());
		socket.on('disconnect', () => {
			this.connection = 'offline';
			// The hub released this connection's leases when it dropped: finishing the task would be wasted work.
			if (this.running) this.client?.cancel(this.running.workerId);
		});
		socket.on('work:available', () => this.wakeUp());
		socket.on('task:cancelled', ({ taskIds }) => {
			if (this.running && taskIds.includes(this.running.lease.taskId)) this.client?.cancel(this.running.workerId);
		});
	}

	private async hello() {
		const reply = await this.socket!.timeout(ACK_MS)
			.emitWithAck('hello', { identity: await loadIdentity(), capabilities: this.capabilities!, mode: this.mode, readiness: this.readiness })
			.catch((e: Error) => ({ ok: false as const, error: e.message }));
		if (!reply.ok) {
			this.error = `the hub refused this volunteer: ${reply.error}`;
			return;
		}
		await saveIdentity(reply.identity);
		this.volunteerId = reply.volunteerId;
		this.connection = 'connected';
		this.error = null;
		this.wakeUp();
	}

	private async loop() {
		while (!this.stopped) {
			const lease = this.connection === 'connected' && this.readiness.ready ? await this.requestTask() : null;
			if (lease) await this.runTask(lease);
			else await this.sleep(POLL_MS);
		}
	}

	private async requestTask(): Promise<TaskLease | null> {
		const reply = await this.socket!.timeout(ACK_MS)
			.emitWithAck('task:request', { slots: 1 })
			.catch(() => null);
		return reply?.ok ? (reply.tasks[0] ?? null) : null;
	}

	private async runTask(lease: TaskLease) {
		this.model = lease.model.id;
		this.current = { taskId: lease.taskId, done: 0, total: lease.inputs.length };
		let renewedAt = Date.now();
		const onProgress = (done: number) => {
			this.current = { taskId: lease.taskId, done, total: lease.inputs.length };
			if (Date.now() - renewedAt < RENEW_MS) return;
			renewedAt = Date.now();
			this.socket?.emit('task:progress', { taskId: lease.taskId, leaseToken: lease.leaseToken, done }, () => {});
		};
		try {
			const { outputs, durationMs } = await this.client!.run(lease, onProgress, (workerId) => (this.running = { lease, workerId }));
			await this.deliver(lease, outputs, durationMs);
		} catch (e) {
			await this.reportFailure(lease, e as Error & { aborted?: boolean });
		} finally {
			this.running = null;
			this.current = null;
		}
	}

	private async deliver(lease: TaskLease, outputs: unknown[], durationMs: number) {
		const reply = await this.socket!.timeout(ACK_MS)
			.emitWithAck('task:result', { taskId: lease.taskId, leaseToken: lease.leaseToken, backend: this.backend!, durationMs, outputs })
			.catch((e: Error) => ({ ok: false as const, error: e.message }));
		if (!reply.ok) return this.note(`task ${lease.taskId}: result not accepted (${reply.error})`);
		this.tasksDone += 1;
		this.inputsDone += outputs.length;
		const rate = outputs.length / Math.max(durationMs / 1000, 1e-3);
		this.throughput = this.throughput ? 0.7 * this.throughput + 0.3 * rate : rate;
		this.note(`task ${lease.taskId}: ${outputs.length} inputs in ${Math.round(durationMs)} ms, accepted`);
	}

	private async reportFailure(lease: TaskLease, e: Error & { aborted?: boolean }) {
		const ids = { taskId: lease.taskId, leaseToken: lease.leaseToken };
		if (e.aborted) {
			// Stopped on purpose (pause, cancel, disconnect): give the lease back rather than count a failure.
			this.socket?.emit('task:release', ids, () => {});
			return this.note(`task ${lease.taskId}: stopped`);
		}
		this.socket?.emit('task:fail', { ...ids, error: e.message.slice(0, 2000) }, () => {});
		this.note(`task ${lease.taskId} failed: ${e.message}`);
	}

	private sleep(ms: number) {
		return new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms);
			this.wakeUp = () => {
				clearTimeout(timer);
				resolve();
			};
		});
	}

	private note(line: string) {
		this.log = [`${new Date().toLocaleTimeString()}  ${line}`, ...this.log].slice(0, 30);
	}
}
