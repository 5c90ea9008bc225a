/**
 * A volunteer tab's state, for the page to render: the shared WorkLoop does the work (the headless
 * volunteer runs the same loop), the inference worker computes, and this class mirrors what happens.
 */
import { io } from 'socket.io-client';
import { VOLUNTEER_NAMESPACE, type TaskLease } from '$lib/protocol/events';
import type { Backend, Capabilities, Readiness, VolunteerMode } from '$lib/protocol/volunteer';
import { TaskRunner } from '$lib/executor/task-runner';
import { detectCapabilities } from './capabilities';
import { loadIdentity, saveIdentity } from './identity-store';
import { InferenceClient } from './inference-client';
import type { VolunteerSettings } from './settings';
import { currentReadiness } from './readiness';
import { WorkLoop, type ConnectionState, type VolunteerSocket } from './work-loop';

export class Volunteer {
	connection = $state<ConnectionState | 'starting'>('starting');
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

	private client: InferenceClient | null = null;
	private loop: WorkLoop | null = null;
	private socket: VolunteerSocket | null = null;

	constructor(private readonly settings: VolunteerSettings) {
		this.mode = settings.mode;
	}

	get readiness(): Readiness {
		return currentReadiness(this.mode);
	}

	async start() {
		let capabilities: Capabilities;
		try {
			const caps = await detectCapabilities(TaskRunner.taskTypes, this.settings.backend !== 'wasm');
			this.client = new InferenceClient();
			const ready = await this.client.init(caps.backend === 'webgpu' ? 'webgpu' : 'wasm', this.settings.threads || caps.cores, caps.webgpu?.features ?? []);
			capabilities = { ...caps, backend: ready.backend };
			this.backend = ready.backend;
			this.threads = ready.threads;
			this.note(`compute ready: ${ready.backend}${ready.backend === 'wasm' ? `, ${ready.threads} thread(s)` : ''}`);
		} catch (e) {
			this.error = `could not start the inference worker: ${(e as Error).message}`;
			return;
		}
		const client = this.client;
		this.socket = io(VOLUNTEER_NAMESPACE, { transports: ['websocket'], autoConnect: false });
		this.loop = new WorkLoop(
			this.socket,
			{ backend: capabilities.backend, run: (task, hooks, signal) => client.run(task, hooks, signal) },
			{
				hello: async () => ({ identity: await loadIdentity(), capabilities, mode: this.mode, readiness: this.readiness }),
				saveIdentity: async (identity, volunteerId) => {
					this.volunteerId = volunteerId;
					await saveIdentity(identity);
				},
				readiness: () => this.readiness,
				mode: () => this.mode
			},
			{
				connection: (state) => (this.connection = state),
				taskStarted: (lease) => this.show(lease, 0),
				progress: (lease, done) => this.show(lease, done),
				taskEnded: (lease, outcome) => this.ended(lease, outcome),
				log: (line) => this.note(line)
			}
		);
		this.loop.start();
	}

	stop() {
		this.loop?.stop();
		this.socket?.close();
		this.client?.terminate();
	}

	setMode(mode: VolunteerMode) {
		this.mode = mode;
		this.loop?.statusChanged();
	}

	private show(lease: TaskLease, done: number) {
		this.model = lease.model.id;
		this.current = { taskId: lease.taskId, done, total: lease.inputs.length };
	}

	private ended(lease: TaskLease, outcome: { accepted: boolean; durationMs?: number }) {
		this.current = null;
		if (!outcome.accepted || outcome.durationMs === undefined) return;
		this.tasksDone += 1;
		this.inputsDone += lease.inputs.length;
		const rate = lease.inputs.length / Math.max(outcome.durationMs / 1000, 1e-3);
		this.throughput = this.throughput ? 0.7 * this.throughput + 0.3 * rate : rate;
	}

	private note(line: string) {
		this.log = [`${new Date().toLocaleTimeString()}  ${line}`, ...this.log].slice(0, 30);
	}
}
