/**
 * Messages between the volunteer page and its inference worker: a discriminated union with request
 * ids, narrowed by `type` on both sides, never cast.
 */
import type { RunnableTask } from '../executor/task-runner';
import type { Backend } from './volunteer';
import type { ModelVariant } from './variants';

export type ToWorker =
	| { type: 'init'; id: number; backend: Exclude<Backend, 'native'>; threads: number; hubUrl: string; gpuFeatures: string[] }
	| { type: 'run'; id: number; task: RunnableTask }
	| { type: 'cancel'; id: number };

export type FromWorker =
	| { type: 'ready'; id: number; backend: Exclude<Backend, 'native'>; threads: number }
	| { type: 'progress'; id: number; done: number }
	| { type: 'text'; id: number; index: number; delta: string }
	| { type: 'result'; id: number; outputs: unknown[]; variant: ModelVariant; durationMs: number }
	| { type: 'error'; id: number; message: string; aborted: boolean };
