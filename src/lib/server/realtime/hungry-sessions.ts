import type { TaskType } from '../../protocol/models';

/**
 * The volunteer connections of this process waiting for work: their last request for tasks came back
 * empty (or failed), so their work loop sleeps until a nudge (`work:available`) or its next poll, seconds
 * away. New work is announced to about as many of them as it has tasks, of those that declared its task
 * type, not to every connection: a one-task job must not wake ten thousand idle volunteers, each of whose
 * requests then costs the hub a claim that finds nothing. One not nudged still asks at its next poll.
 */
export class HungrySessions {
	/** Session ids in the order they started waiting (the longest waiting are nudged first), with the task types each runs. */
	private readonly waiting = new Map<string, readonly TaskType[]>();

	/**
	 * Its request for work (not the lane's) was answered. `waiting`: with nothing (or not at all), so it waits from
	 * now for work of `taskTypes`; otherwise it asks again by itself when it wants more.
	 */
	answered(sessionId: string, waiting: boolean, taskTypes: readonly TaskType[]): void {
		this.waiting.delete(sessionId);
		if (waiting) this.waiting.set(sessionId, taskTypes);
	}

	/** It left. */
	delete(sessionId: string): void {
		this.waiting.delete(sessionId);
	}

	/**
	 * Up to `n` of the sessions waiting that run `taskType` (absent: any), the longest waiting first, taken off
	 * the list: each nudged one asks, and is back on the list if that request too finds nothing. So consecutive
	 * nudges go round all of them.
	 */
	take(n: number, taskType?: TaskType): string[] {
		const taken: string[] = [];
		for (const [id, types] of this.waiting) {
			if (taken.length >= n) break;
			if (taskType === undefined || types.includes(taskType)) taken.push(id);
		}
		for (const id of taken) this.waiting.delete(id);
		return taken;
	}
}
