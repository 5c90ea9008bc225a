/** What running a task takes: the task itself and the hooks a caller passes (a leaf module, so every executor may import it). */
import type { ModelManifest, TaskType } from '../protocol/models';
import type { DutyGovernor } from './duty-governor';
import type { ModelVariant } from '../protocol/variants';

export interface RunnableTask {
	taskType: TaskType;
	model: ModelManifest;
	inputs: string[];
	params: Record<string, unknown>;
	/** The variant the hub leased this task for; absent (a local run): the backend's own preference. */
	variant?: ModelVariant;
}

export interface RunOptions {
	signal?: AbortSignal;
	/** Called as inputs finish with how many are done: the caller renews its lease with it. */
	onProgress?: (done: number) => void;
	/** Generated text as it is made: `index` is the input's position in the task. */
	onText?: (index: number, delta: string) => void;
	/** The task is starting its last slice: a volunteer asks for its next lease now, to have it in hand when this one ends. */
	onLastSlice?: () => void;
	/** Share of wall time (0–1] spent computing; the rest is slept between slices. Absent: 1. */
	dutyCycle?: number;
	/** Milliseconds just spent computing a slice (for the measured busy share). */
	onBusy?: (ms: number) => void;
	/** Paces the slices of every task of one worker together; absent: each run paces itself. */
	governor?: DutyGovernor;
	/** An interactive request's task: the governor runs its slices ahead of other tasks'. */
	urgent?: boolean;
}
