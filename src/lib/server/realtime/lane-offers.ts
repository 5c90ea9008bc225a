import type { TaskType } from '../../protocol/models';

/** One volunteer connection of this process, as the interactive lane sees it. */
export interface LaneSession {
	/** Leases it one interactive task by the claim its own request on the lane would make, and pushes it; true when it took one. */
	offer(): Promise<boolean>;
	/** The live leases it holds, when it could take an interactive task of `taskType` now; null when it could not. */
	load(taskType: TaskType): number | null;
}

/**
 * The interactive lane's offers (scheduler/interactive-lane.ts): for each volunteer connection of this
 * process, a way to lease it one interactive task by the claim its own request on the lane would make,
 * and push the lease to it (`task:offer`). A request whose client waits then needs no nudge to the
 * volunteer and no request back before the task starts. The volunteer namespace fills it; the notifier
 * uses it.
 *
 * It also knows which of them could take such a task now (ready), so a request with a taker here need not
 * ask the database who could (laneTargets, which sees every hub process's volunteers).
 */
export class LaneOffers {
	/** By session id (its socket id). */
	private readonly sessions = new Map<string, LaneSession>();

	set(sessionId: string, session: LaneSession) {
		this.sessions.set(sessionId, session);
	}

	delete(sessionId: string) {
		this.sessions.delete(sessionId);
	}

	/** Offers to each of `sessionIds` connected here in turn, until one takes a task; false when none did. */
	async offer(sessionIds: string[]): Promise<boolean> {
		for (const id of sessionIds) {
			const session = this.sessions.get(id);
			if (session && (await session.offer())) return true;
		}
		return false;
	}

	/** Up to `limit` sessions here that could take an interactive task of `taskType` now, those holding the fewest leases first. */
	ready(taskType: TaskType, limit: number): string[] {
		const able: { id: string; load: number }[] = [];
		for (const [id, session] of this.sessions) {
			const load = session.load(taskType);
			if (load !== null) able.push({ id, load });
		}
		// A stable sort: among equals, the longest connected (first in the map) first, as laneTargets orders them.
		return able
			.sort((a, b) => a.load - b.load)
			.slice(0, limit)
			.map((s) => s.id);
	}
}
