/** How the scheduler's callers tell connected clients that something changed; the realtime layer fills it in. */
export interface Notifier {
	workAvailable(): void;
	/** An interactive request was queued: these sessions (socket ids) are told at once, past workAvailable's throttle. */
	laneWork(sessionIds: string[]): void;
	/** `ended`: the job just reached its final state; its watchers hear at once, not at the end of the coalescing window. */
	jobChanged(jobId: string, ended?: boolean): void;
	tasksCancelled(taskIds: number[]): void;
}

/** Tells nobody: a hub before Socket.IO is attached (or one without it, in tests). */
export const quiet: Notifier = { workAvailable() {}, laneWork() {}, jobChanged() {}, tasksCancelled() {} };
