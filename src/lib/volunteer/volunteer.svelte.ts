/**
 * A volunteer tab's state, for the page to render: the shared WorkLoop does the work (the headless
 * volunteer runs the same loop), the inference worker computes, and this class mirrors what happens.
 */
import { io } from 'socket.io-client';
import { VOLUNTEER_NAMESPACE, type TaskLease } from '$lib/protocol/events';
import type { Backend, Capabilities, Readiness, VolunteerMode } from '$lib/protocol/volunteer';
import { TaskRunner } from '$lib/executor/task-runner';
import { detectCapabilities } from './capabilities';
import type { VolunteerCredit } from '$lib/protocol/events';
import { loadIdentity, saveIdentity } from './identity-store';
import { InferenceClient } from './inference-client';
import { ModelStorage } from './model-storage.svelte';
import { DEFAULT_SETTINGS, parseHours, settingsFromQuery, type VolunteerSettings } from './settings';
import { loadSettings, saveSettings } from './settings-store';
import { ReadinessMonitor } from './readiness-monitor.svelte';
import { memoryCapMb } from '$lib/readiness/lease-gate';
import { dutyCycleFor, threadsFor } from '$lib/readiness/power-tiers';
import { weightsMb } from '$lib/readiness/task-weights';
import { WorkLoop, type ConnectionState } from './work-loop';
import type { VolunteerSocket } from './volunteer-socket';
import { WorkerClock } from './worker-clock';

/** The activity log's time of day, in the owner's locale. */
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export class Volunteer {
	connection = $state<ConnectionState | 'starting'>('starting');
	mode = $state<VolunteerMode>('always');
	backend = $state<Backend | null>(null);
	threads = $state(0);
	/** Logical cores (navigator.hardwareConcurrency), known once the worker starts. */
	private cores = 0;
	volunteerId = $state<string | null>(null);
	model = $state<string | null>(null);
	current = $state<{ taskId: number; done: number; total: number } | null>(null);
	tasksDone = $state(0);
	inputsDone = $state(0);
	/** Inputs per second, smoothed over recent tasks. */
	throughput = $state(0);
	error = $state<string | null>(null);
	log = $state<{ id: number; text: string }[]>([]);
	/** All-time work credited to this volunteer's identity, as the hub reported it at hello, plus this visit's. */
	credit = $state<VolunteerCredit | null>(null);
	/** The browser's own word on the network (navigator.onLine). */
	online = $state(true);
	/** An update waits for the running task: no new ones are taken. */
	finishing = $state(false);
	/** Whether this connection has asked the hub for work yet (and so holds whatever the hub had for it). */
	askedSinceConnect = $state(false);
	/** Milliseconds the worker has spent computing: the page shows its busy share, tests measure it. */
	busyMs = $state(0);
	readonly storage = new ModelStorage();
	settings = $state<VolunteerSettings>(DEFAULT_SETTINGS);
	readonly monitor = new ReadinessMonitor(
		() => this.settings,
		() => this.mode,
		() => this.loop?.statusChanged()
	);

	private client: InferenceClient | null = null;
	/** The timers that keep leases alive and work flowing tick in a worker: a hidden tab's own are throttled. */
	private clock: WorkerClock | null = null;
	private loop: WorkLoop | null = null;
	private socket: VolunteerSocket | null = null;
	/** Removes the window listeners on stop: a page navigated away from must not reconnect a closed socket. */
	private readonly listeners = new AbortController();

	/** `query`: the page's query string; it overrides the owner's saved settings for this visit. */
	constructor(private readonly query: URLSearchParams) {
		this.settings = settingsFromQuery(query, DEFAULT_SETTINGS);
		this.mode = this.settings.mode;
	}

	get readiness(): Readiness {
		return this.monitor.report();
	}

	/** The share of the machine's CPU compute may use: the owner's cap or the power tier's, whichever is lower. */
	get cpuShare(): number {
		return Math.min(this.settings.maxCpu, this.monitor.assessment?.limits.maxCpu ?? 1);
	}

	/** The worker's duty cycle that keeps its threads within `cpuShare` of the machine. */
	get dutyCycle(): number {
		return dutyCycleFor(this.cpuShare, this.cores, this.backend === 'wasm' ? this.threads : null);
	}

	/** Tasks run at once: the power tier's cap, or the owner's if lower. */
	get maxTasks(): number {
		const tier = this.monitor.assessment?.limits.concurrent ?? 1;
		return this.settings.maxTasks > 0 ? Math.min(tier, this.settings.maxTasks) : tier;
	}

	async start() {
		this.settings = await loadSettings(this.query);
		this.mode = this.settings.mode;
		const clock = (this.clock = new WorkerClock());
		await this.monitor.start(clock);
		this.watchNetwork();
		void this.storage.init();
		let capabilities: Capabilities;
		try {
			const caps = await detectCapabilities(TaskRunner.taskTypes, this.settings.backend !== 'wasm');
			this.client = new InferenceClient((event, cache) => {
				const line = this.storage.record(event, cache);
				if (line) this.note(line);
			});
			const budget = Math.round(this.settings.modelBudgetMb * 1e6);
			const backend = caps.backend === 'webgpu' ? 'webgpu' : 'wasm';
			// WASM threads are fixed when the first model loads: the CPU share of the cores, as the tier stands now.
			const threads = this.settings.threads || threadsFor(this.cpuShare, caps.cores);
			const ready = await this.client.init(backend, threads, caps.webgpu?.features ?? [], budget);
			capabilities = { ...caps, backend: ready.backend };
			this.backend = ready.backend;
			this.threads = ready.threads;
			this.cores = caps.cores;
			this.note(`compute ready: ${ready.backend}${ready.backend === 'wasm' ? `, ${ready.threads} thread(s)` : ''}`);
		} catch (e) {
			this.error = `could not start the inference worker: ${(e as Error).message}`;
			return;
		}
		const client = this.client;
		this.socket = io(VOLUNTEER_NAMESPACE, { transports: ['websocket'], autoConnect: false });
		this.socket.on('connect_error', () => {
			if (this.connection !== 'connected') this.connection = 'offline';
		});
		this.loop = new WorkLoop(
			this.socket,
			{
				backend: capabilities.backend,
				run: (task, hooks, signal) => {
					// The hub leases by the same cap; this guards against a tier that fell since the lease.
					const cap = memoryCapMb(this.monitor.assessment?.tier ?? 'plugged', capabilities.deviceMemory);
					if (weightsMb(task.model.files) > cap)
						throw new DOMException(`declined: ${task.model.id} is over this power tier's memory cap`, 'AbortError');
					return client.run(
						task,
						{ ...hooks, onProgress: (done) => ((this.busyMs = client.busyMs), hooks.onProgress(done)) },
						signal,
						this.dutyCycle
					);
				}
			},
			{
				hello: async () => ({ identity: await loadIdentity(), capabilities, mode: this.mode, readiness: this.readiness }),
				saveIdentity: async (identity, volunteerId) => {
					this.volunteerId = volunteerId;
					await saveIdentity(identity);
				},
				readiness: () => this.readiness,
				mode: () => this.mode,
				maxTasks: () => this.maxTasks
			},
			{
				connection: (state) => {
					this.connection = state;
					if (state !== 'connected') this.askedSinceConnect = false;
				},
				leaseAnswered: () => (this.askedSinceConnect = true),
				welcomed: (reply) => (this.credit = reply.credit),
				taskStarted: (lease) => this.show(lease, 0),
				progress: (lease, done) => this.show(lease, done),
				taskEnded: (lease, outcome) => this.ended(lease, outcome),
				log: (line) => this.note(line)
			},
			{ clock }
		);
		this.loop.start();
	}

	stop() {
		this.monitor.stop();
		this.listeners.abort();
		this.loop?.stop();
		this.socket?.close();
		this.client?.terminate();
		this.clock?.stop();
	}

	setMode(mode: VolunteerMode) {
		this.mode = mode;
		this.finishing = false;
		if (mode !== 'paused') this.loop?.undrain();
		this.monitor.update();
		this.loop?.statusChanged();
		void saveSettings({ mode });
	}

	/** The owner changed a setting on the page: it applies now and is kept for later visits. */
	changeSettings(patch: Partial<Omit<VolunteerSettings, 'mode'>>) {
		this.settings = { ...this.settings, ...patch };
		this.monitor.update();
		this.loop?.statusChanged();
		void saveSettings(patch);
	}

	/** `9-17`, `22-6`, or empty / `any` for every hour; anything else is ignored. */
	changeHours(text: string) {
		const hours = parseHours(text.trim() === '' ? 'any' : text.trim());
		if (hours !== undefined) this.changeSettings({ hours });
	}

	/** Takes no new tasks and resolves once the running one is handed in: an app update waits on this. */
	async finishThenStop(): Promise<void> {
		this.finishing = true;
		await this.loop?.drain();
	}

	/** The owner's "finish the current task, then stop": no new tasks, then paused once it is handed in. */
	async finishThenPause(): Promise<void> {
		await this.finishThenStop();
		if (this.finishing) this.setMode('paused');
	}

	/** Shows the network state, and reconnects at once when it returns rather than at the next backoff. */
	private watchNetwork() {
		const { signal } = this.listeners;
		this.online = navigator.onLine;
		addEventListener('offline', () => (this.online = false), { signal });
		addEventListener(
			'online',
			() => {
				this.online = true;
				if (this.socket && !this.socket.connected) this.socket.disconnect().connect();
			},
			{ signal }
		);
		// A frozen or hidden-away page (bfcache, a discarded tab) computes nothing more: drop the connection so
		// the hub releases its leases now rather than at their expiry, and come back when the page does.
		const leave = () => this.socket?.disconnect();
		const back = () => this.socket && !this.socket.connected && this.socket.connect();
		addEventListener('pagehide', leave, { signal });
		document.addEventListener('freeze', leave, { signal });
		addEventListener('pageshow', (e: PageTransitionEvent) => e.persisted && back(), { signal });
		document.addEventListener('resume', back, { signal });
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
		if (this.credit) this.credit = { tasksDone: this.credit.tasksDone + 1, inputsDone: this.credit.inputsDone + lease.inputs.length };
		const rate = lease.inputs.length / Math.max(outcome.durationMs / 1000, 1e-3);
		this.throughput = this.throughput ? 0.7 * this.throughput + 0.3 * rate : rate;
	}

	/** Newest first; each line keeps its id, so a new line adds one row to the page instead of rewriting all 30. */
	private note(line: string) {
		this.log = [{ id: this.logged++, text: `${clock.format(Date.now())}  ${line}` }, ...this.log].slice(0, 30);
	}
	private logged = 0;
}
