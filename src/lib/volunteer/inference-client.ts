/** Promise-shaped access to the inference worker; the only place the page talks to it. */
import type { FileEvent, FromWorker, ModelCacheStats, ToWorker } from '$lib/protocol/worker-messages';
import type { RunnableTask } from '$lib/executor/run-options';
import { PartialAbort } from '$lib/executor/slices';

type Pending = {
	resolve: (msg: FromWorker) => void;
	reject: (e: Error) => void;
	onProgress?: (done: number) => void;
	onText?: (index: number, delta: string) => void;
	onLastSlice?: () => void;
};

type RunHooks = Omit<Pending, 'resolve' | 'reject'> & { onProgress: (done: number) => void; urgent?: boolean };

export class InferenceClient {
	private worker = new Worker(new URL('../worker/inference.worker.ts', import.meta.url), { type: 'module' });
	private pending = new Map<number, Pending>();
	private nextId = 1;
	/** Milliseconds the worker has spent computing (from its progress reports). */
	busyMs = 0;

	/** `onFiles` hears what the worker's model cache does: downloads in progress, hits, evictions, its size. */
	constructor(private readonly onFiles: (event: FileEvent | null, cache?: ModelCacheStats | null) => void = () => {}) {
		this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
		this.worker.onerror = (event) => this.failAll(new Error(event.message || 'the inference worker crashed'));
	}

	/** `modelBudget`: bytes the model cache may hold, 0 for the worker's default (a share of the quota). */
	async init(
		backend: 'webgpu' | 'wasm',
		threads: number,
		gpuFeatures: string[],
		modelBudget = 0
	): Promise<{ backend: 'webgpu' | 'wasm'; threads: number }> {
		const reply = await this.request({
			type: 'init',
			id: this.nextId++,
			backend,
			threads,
			hubUrl: location.origin,
			gpuFeatures,
			modelBudget
		});
		if (reply.type !== 'ready') throw new Error('unexpected reply to init');
		return { backend: reply.backend, threads: reply.threads };
	}

	/**
	 * Runs a task in the worker at `dutyCycle` of the wall clock; aborting `signal` stops it at the next
	 * slice and rejects with an AbortError (a PartialAbort with the outputs finished so far).
	 */
	async run(task: RunnableTask, hooks: RunHooks, signal: AbortSignal, dutyCycle = 1) {
		const id = this.nextId++;
		const cancel = () => this.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
		signal.addEventListener('abort', cancel, { once: true });
		try {
			const { urgent = false, ...progress } = hooks;
			const reply = await this.request({ type: 'run', id, task, dutyCycle, urgent }, progress);
			if (reply.type !== 'result') throw new Error('unexpected reply to run');
			return { outputs: reply.outputs, variant: reply.variant, durationMs: reply.durationMs };
		} finally {
			signal.removeEventListener('abort', cancel);
		}
	}

	terminate() {
		this.worker.terminate();
		this.failAll(new Error('the inference worker was stopped'));
	}

	private request(msg: ToWorker, hooks: Omit<Pending, 'resolve' | 'reject'> = {}): Promise<FromWorker> {
		return new Promise((resolve, reject) => {
			this.pending.set(msg.id, { resolve, reject, ...hooks });
			this.worker.postMessage(msg);
		});
	}

	private receive(msg: FromWorker) {
		if (msg.type === 'files') return this.onFiles(msg.event, msg.cache);
		const p = this.pending.get(msg.id);
		if (!p) return;
		switch (msg.type) {
			case 'progress':
				this.busyMs = Math.max(this.busyMs, msg.busyMs);
				p.onProgress?.(msg.done);
				return;
			case 'text':
				p.onText?.(msg.index, msg.delta);
				return;
			case 'last-slice':
				p.onLastSlice?.();
				return;
			case 'error':
				this.pending.delete(msg.id);
				p.reject(
					msg.partial ? new PartialAbort(msg.partial) : msg.aborted ? new DOMException(msg.message, 'AbortError') : new Error(msg.message)
				);
				return;
			case 'ready':
			case 'result':
				this.pending.delete(msg.id);
				p.resolve(msg);
				return;
		}
	}

	private failAll(e: Error) {
		for (const p of this.pending.values()) p.reject(e);
		this.pending.clear();
	}
}
