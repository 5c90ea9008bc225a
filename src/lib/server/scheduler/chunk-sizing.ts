/**
 * How many inputs a task of a new job holds. DESIGN.md: tasks are chunks sized to run about a target
 * duration on a typical volunteer (EXOSTACK_TARGET_TASK_SECONDS), so fast volunteers are not drowned in
 * round trips and slow ones do not hold huge chunks; the size follows measured throughput
 * (measure-throughput.ts). A submitter's explicit chunk_size always wins.
 */
import type { Db } from '../db';
import type { TaskType } from '../../protocol/models';
import { MAX_CHUNK_SIZE } from '../../protocol/jobs';
import { measureThroughput } from './measure-throughput';

export interface ChunkSizing {
	/** Inputs per task when nothing is measured (EXOSTACK_CHUNK_SIZE): small, so a job's first results measure quickly. */
	chunkSize: number;
	/** The duration a task should run (EXOSTACK_TARGET_TASK_SECONDS × 1000); 0: every job gets chunkSize. */
	targetTaskMs: number;
}

/** Inputs per task that run about `targetTaskMs` at `inputsPerSecond`, within [1, MAX_CHUNK_SIZE]. */
export function chunkSizeFor(inputsPerSecond: number, targetTaskMs: number): number {
	const size = Math.round((inputsPerSecond * targetTaskMs) / 1000);
	return Number.isFinite(size) ? Math.min(MAX_CHUNK_SIZE, Math.max(1, size)) : MAX_CHUNK_SIZE;
}

/** Whether a job's chunks are the hub's to size (and resize while it runs): its submitter named no size and sizing is on. */
export function hubSizesChunks(sizing: ChunkSizing, explicit: number | undefined): boolean {
	return explicit === undefined && sizing.targetTaskMs > 0;
}

/**
 * The chunk size of a new job of `modelId` and `taskType`: the submitter's, else sized from the model's
 * measured throughput, else (nothing measured yet, or sizing off) the configured first size.
 */
export async function chooseChunkSize(
	db: Db,
	sizing: ChunkSizing,
	job: { modelId: string; taskType: TaskType; inputs: number; explicit?: number }
): Promise<number> {
	if (job.explicit !== undefined) return job.explicit;
	// One input is one task at any size (a /v1 request): nothing to measure for.
	if (!hubSizesChunks(sizing, job.explicit) || job.inputs <= 1) return sizing.chunkSize;
	const measured = await measureThroughput(db, { modelId: job.modelId, taskType: job.taskType });
	return measured ? chunkSizeFor(measured.inputsPerSecond, sizing.targetTaskMs) : Math.min(sizing.chunkSize, MAX_CHUNK_SIZE);
}
