import type { AcceptedChunk } from './scheduler/accepted-chunk';
import type { TaskType } from '../protocol/models';
import type { ClaimRider } from './scheduler/claim-rider';

/** How the scheduler's callers tell connected clients that something changed; the realtime layer fills it in. */
export interface Notifier {
	/**
	 * `tasks` tasks (absent: an unknown number) of `taskType` (absent: any or unknown) became claimable: volunteers
	 * waiting for work that run it are told, about that many.
	 */
	workAvailable(tasks?: number, taskType?: TaskType): void;
	/**
	 * An interactive request of `taskType` was queued: these sessions (socket ids) are told at once, past
	 * workAvailable's throttle. With a `rider`, the job is not stored yet: its insert goes in the claim of the
	 * first of them that can take it here (claim-rider.ts), and the rider is settled either way.
	 */
	laneWork(sessionIds: string[], taskType: TaskType, rider?: ClaimRider): void;
	/** Up to `limit` sessions connected to this process that could take an interactive task of `taskType` now, the least loaded first. */
	laneReady(taskType: TaskType, limit: number): string[];
	/** `ended`: the job just reached its final state; its watchers hear at once, not at the end of the coalescing window. */
	jobChanged(jobId: string, ended?: boolean): void;
	tasksCancelled(taskIds: number[]): void;
	/** A chunk of the job was accepted (committed): a request waiting for the job may answer from it (job-ends.ts). */
	chunkAccepted(jobId: string, chunk: AcceptedChunk): void;
}

/** Tells nobody: a hub before Socket.IO is attached (or one without it, in tests). */
export const quiet: Notifier = {
	workAvailable() {},
	laneWork: (_sessionIds, _taskType, rider) => rider?.unused(),
	laneReady: () => [],
	jobChanged() {},
	tasksCancelled() {},
	chunkAccepted() {}
};
