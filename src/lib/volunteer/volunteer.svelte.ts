/**
 * A volunteer tab's state, for the page to render: the shared WorkLoop does the work (the headless
 * volunteer runs the same loop), the inference worker computes, and this class mirrors what happens.
 * The page reads it through getters and changes it through its verbs (setMode, changeSettings, …).
 */
import type { Backend, Capabilities, Readiness, VolunteerMode } from '$lib/protocol/volunteer';
import { TaskRunner } from '$lib/executor/task-runner';
import { detectCapabilities } from './capabilities';
import { loadIdentity, saveIdentity } from './identity-store';
import { InferenceClient } from './inference-client';
import { ModelStorage } from './model-storage.svelte';
import { DEFAULT_SETTINGS, settingsFromQuery, type VolunteerSettings } from './settings';
import { parseDayHours } from './schedule';
import { currentModelLimits } from './model-limits';
import { modelRefusal } from '$lib/protocol/model-downloads';
import type { VolunteerSocket } from './volunteer-socket';
import { loadSettings, saveSettings } from './settings-store';
import { ReadinessMonitor } from './readiness-monitor.svelte';
import { Activity } from './activity.svelte';
import { memoryCapMb } from '$lib/readiness/lease-gate';
import { dutyCycleFor, threadsFor } from '$lib/readiness/power-tiers';
import { weightsMb } from '$lib/readiness/task-weights';
import { WorkLoop, type Executor, type WorkLoopListener } from './work-loop';
import { HubConnection } from './connection.svelte';
import { WorkerClock } from './worker-clock';

export class Volunteer {
	#mode = $state<VolunteerMode>('always');
	#settings = $state<VolunteerSettings>(DEFAULT_SETTINGS);
	#savesPending = $state(0);
	#saveFailed = $state(false);
	#backend = $state<Backend | null>(null);
	#threads = $state(0);
	/** Logical cores (navigator.hardwareConcurrency), known once the worker starts. */
	#cores = $state(0);
	#volunteerId = $state<string | null>(null);
	#error = $state<string | null>(null);
	#finishing = $state(false);
	readonly connection = new HubConnection();
	readonly storage = new ModelStorage();
	readonly activity = new Activity();
	readonly monitor = new ReadinessMonitor(
		() => this.#settings,
		() => this.#mode,
		() => this.loop?.statusChanged()
	);
	/** The share of the machine's CPU compute may use: the owner's cap or the power tier's, whichever is lower. */
	readonly #cpuShare = $derived(Math.min(this.#settings.maxCpu, this.monitor.assessment?.limits.maxCpu ?? 1));
	/** The worker's duty cycle that keeps its threads within `cpuShare` of the machine. */
	readonly #dutyCycle = $derived(dutyCycleFor(this.#cpuShare, this.#cores, this.#backend === 'wasm' ? this.#threads : null));
	/** Tasks run at once: the power tier's cap, or the owner's if lower. */
	readonly #maxTasks = $derived.by(() => {
		const tier = this.monitor.assessment?.limits.concurrent ?? 1;
		return this.#settings.maxTasks > 0 ? Math.min(tier, this.#settings.maxTasks) : tier;
	});

	private client: InferenceClient | null = null;
	private loop: WorkLoop | null = null;
	private socket: VolunteerSocket | null = null;
	/** The timers that keep leases alive and work flowing tick in a worker: a hidden tab's own are throttled. */
	private clock: WorkerClock | null = null;

	/** `query`: the page's query string; it overrides the owner's saved settings for this visit. */
	constructor(private readonly query: URLSearchParams) {
		this.#settings = settingsFromQuery(query, DEFAULT_SETTINGS);
		this.#mode = this.#settings.mode;
	}

	get mode() {
		return this.#mode;
	}
	get settings(): Readonly<VolunteerSettings> {
		return this.#settings;
	}
	get backend() {
		return this.#backend;
	}
	get threads() {
		return this.#threads;
	}
	get volunteerId() {
		return this.#volunteerId;
	}
	get error() {
		return this.#error;
	}
	/** An update waits for the running task: no new tasks are taken. */
	get finishing() {
		return this.#finishing;
	}
	get readiness(): Readiness {
		return this.monitor.readiness;
	}
	get cpuShare() {
		return this.#cpuShare;
	}
	get dutyCycle() {
		return this.#dutyCycle;
	}
	get maxTasks() {
		return this.#maxTasks;
	}

	async start() {
		this.#settings = await loadSettings(this.query);
		this.#mode = this.#settings.mode;
		const clock = (this.clock = new WorkerClock());
		await this.monitor.start(clock);
		this.connection.watch();
		void this.storage.init();
		await this.startWork(clock);
	}

	/** The inference worker, then the connection that tells the hub what it can run, then the loop. */
	private async startWork(clock: WorkerClock) {
		const capabilities = await this.startCompute().catch((e: Error) => {
			this.#error = `could not start the inference worker: ${e.message}`;
			return null;
		});
		if (!capabilities || !this.client) return;
		this.socket = this.connection.open();
		this.loop = new WorkLoop(this.socket, this.executor(this.client, capabilities), this.host(capabilities), this.listener(), { clock });
		this.loop.start();
	}

	/**
	 * GPU on or off. The backend is fixed when the worker loads and the hub learns it in the handshake, so
	 * both start again: running tasks go back (their leases end with the old connection), and the new
	 * connection advertises what the new worker runs (with the GPU off: WASM only, no WebGPU adapter).
	 */
	async setGpu(on: boolean) {
		this.changeSettings({ backend: on ? 'auto' : 'wasm' });
		if (!this.clock || !this.client) return;
		this.loop?.stop();
		this.socket?.disconnect();
		this.client.terminate();
		[this.loop, this.socket, this.client, this.#backend] = [null, null, null, null];
		await this.startWork(this.clock);
	}

	stop() {
		this.monitor.stop();
		this.loop?.stop();
		this.connection.close();
		this.client?.terminate();
		this.clock?.stop();
	}

	setMode(mode: VolunteerMode) {
		this.#mode = mode;
		this.#finishing = false;
		if (mode !== 'paused') this.loop?.undrain();
		this.monitor.update();
		this.loop?.statusChanged();
		this.#save({ mode });
	}

	/** The owner changed a setting on the page: it applies now and is kept for later visits. */
	changeSettings(patch: Partial<Omit<VolunteerSettings, 'mode'>>) {
		this.#settings = { ...this.#settings, ...patch };
		this.monitor.update();
		this.loop?.statusChanged();
		// A snapshot: what came out of $state is a proxy, which IndexedDB cannot store (it would be lost silently).
		this.#save($state.snapshot(patch) as typeof patch);
	}

	/** Whether the owner's choices are all on disk ('saved'), still being written, or could not be kept. */
	get settingsSaved(): 'saved' | 'saving' | 'failed' {
		return this.#saveFailed ? 'failed' : this.#savesPending > 0 ? 'saving' : 'saved';
	}

	#save(patch: Partial<VolunteerSettings>) {
		this.#savesPending++;
		saveSettings(patch)
			.then(
				() => (this.#saveFailed = false),
				() => (this.#saveFailed = true)
			)
			.finally(() => this.#savesPending--);
	}

	/** One day's hours (`day`: 0 is Sunday): `9-17`, `09:30-17:00`, `22-6`, `off`, or empty / `any`; anything else is ignored. */
	changeDayHours(day: number, text: string) {
		const hours = parseDayHours(text);
		if (hours === undefined || !(day in this.#settings.schedule)) return;
		this.changeSettings({ schedule: this.#settings.schedule.map((d, i) => (i === day ? hours : d)) });
	}

	/** Takes no new tasks and resolves once the running one is handed in: an app update waits on this. */
	async finishThenStop(): Promise<void> {
		this.#finishing = true;
		await this.loop?.drain();
	}

	/** The owner's "finish the current task, then stop": no new tasks, then paused once it is handed in. */
	async finishThenPause(): Promise<void> {
		await this.finishThenStop();
		if (this.#finishing) this.setMode('paused');
	}

	/** Starts the inference worker on the best backend this browser has; resolves to what the hub is told. */
	private async startCompute(): Promise<Capabilities> {
		const caps = await detectCapabilities(TaskRunner.taskTypes, this.#settings.backend !== 'wasm');
		this.client = new InferenceClient((event, cache) => {
			const line = this.storage.record(event, cache);
			if (line) this.activity.note(line);
		});
		const budget = Math.round(this.#settings.modelBudgetMb * 1e6);
		const backend = caps.backend === 'webgpu' ? 'webgpu' : 'wasm';
		// WASM threads are fixed when the first model loads: the CPU share of the cores, as the tier stands now.
		const threads = this.#settings.threads || threadsFor(this.#cpuShare, caps.cores);
		const ready = await this.client.init(backend, threads, caps.webgpu?.features ?? [], budget);
		this.#backend = ready.backend;
		this.#threads = ready.threads;
		this.#cores = caps.cores;
		this.activity.note(`compute ready: ${ready.backend}${ready.backend === 'wasm' ? `, ${ready.threads} thread(s)` : ''}`);
		return { ...caps, backend: ready.backend };
	}

	private executor(client: InferenceClient, capabilities: Capabilities): Executor {
		return {
			backend: capabilities.backend,
			run: async (task, hooks, signal) => {
				// The hub leases by the same cap; this guards against a tier that fell since the lease.
				const cap = memoryCapMb(this.monitor.assessment?.tier ?? 'plugged', capabilities.deviceMemory);
				if (weightsMb(task.model.files) > cap)
					throw new DOMException(`declined: ${task.model.id} is over this power tier's memory cap`, 'AbortError');
				// And by the owner's model limits, from a list of models that may be seconds old: checked before any download.
				const refused = modelRefusal(task.model, await this.modelLimits());
				if (refused) throw new DOMException(`declined: ${refused}`, 'AbortError');
				const onProgress = (done: number) => {
					this.activity.busy(client.busyMs);
					hooks.onProgress(done);
				};
				return client.run(task, { ...hooks, onProgress }, signal, this.#dutyCycle);
			}
		};
	}

	private host(capabilities: Capabilities) {
		return {
			credentials: async () => ({ identity: await loadIdentity(), capabilities, mode: this.#mode, readiness: this.readiness }),
			saveIdentity: async (identity: string, volunteerId: string) => {
				this.#volunteerId = volunteerId;
				await saveIdentity(identity);
			},
			readiness: () => this.readiness,
			mode: () => this.#mode,
			maxTasks: () => this.#maxTasks,
			modelLimits: () => this.modelLimits()
		};
	}

	private modelLimits() {
		return currentModelLimits(this.#settings, this.monitor.network.value);
	}

	private listener(): WorkLoopListener {
		return {
			connection: (state) => this.connection.changed(state),
			leaseAnswered: () => this.connection.asked(),
			welcomed: (reply) => this.activity.welcomed(reply.credit),
			taskStarted: (lease) => this.activity.progress(lease, 0),
			progress: (lease, done) => this.activity.progress(lease, done),
			taskEnded: (lease, outcome) => this.activity.ended(lease, outcome),
			log: (line) => this.activity.note(line)
		};
	}
}
