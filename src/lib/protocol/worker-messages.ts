/**
 * Messages between the volunteer page and its inference worker: a discriminated union with request
 * ids, narrowed by `type` on both sides, never cast.
 */
import type { RunnableTask } from '../executor/run-options';
import type { Backend } from './volunteer';
import type { ModelVariant } from './variants';

export type ToWorker =
	| {
			type: 'init';
			id: number;
			backend: Exclude<Backend, 'native'>;
			threads: number;
			hubUrl: string;
			/** Bytes the model cache may hold; 0 lets the worker choose from the storage quota. */
			modelBudget: number;
			/** The WebGPU adapter's features: a variant needing `shader-f16` is only chosen where it is there. */
			gpuFeatures: string[];
	  }
	/** `dutyCycle`: share of wall time (0–1] the task may compute (the CPU cap). */
	/** `urgent`: an interactive request's task, run ahead of the others' slices (duty-governor.ts). */
	| { type: 'run'; id: number; task: RunnableTask; dutyCycle: number; urgent: boolean }
	| { type: 'cancel'; id: number };

/** What happened to a model file on its way to a task; the page shows downloads and logs the rest. */
export type FileEvent =
	| { kind: 'download'; path: string; sha256: string; received: number; total: number }
	/** hit: read from the cache and verified. stored: downloaded, verified and cached. corrupt: the cached copy failed verification, was deleted and is fetched again. too-large: run without caching (past the budget). */
	| { kind: 'hit' | 'stored' | 'corrupt' | 'too-large'; path: string; sha256: string; size: number }
	| { kind: 'evicted'; sha256: string; size: number };

/** The model cache as it stands: null where the browser offers no Cache Storage (an insecure origin). */
export interface ModelCacheStats {
	bytes: number;
	files: number;
	budget: number;
}

export type FromWorker =
	| { type: 'ready'; id: number; backend: Exclude<Backend, 'native'>; threads: number }
	/** `busyMs`: time this worker has spent computing, all tasks together (the measured busy share). */
	| { type: 'progress'; id: number; done: number; busyMs: number }
	| { type: 'text'; id: number; index: number; delta: string }
	| { type: 'last-slice'; id: number }
	| { type: 'result'; id: number; outputs: unknown[]; variant: ModelVariant; durationMs: number }
	/** `partial`: outputs of the inputs finished before an abort, kept as a checkpoint. */
	| { type: 'error'; id: number; message: string; aborted: boolean; partial?: unknown[] }
	| { type: 'files'; event: FileEvent | null; cache?: ModelCacheStats | null };

/**
 * The page and its clock worker (src/lib/worker/clock.worker.ts): timers that keep leases alive and work
 * flowing, run where a hidden tab's throttling does not reach. `id` names a timer, chosen by the page.
 */
export type ToClock = { type: 'after' | 'every'; id: number; ms: number } | { type: 'cancel'; id: number };

export type FromClock = { type: 'fire'; id: number };
