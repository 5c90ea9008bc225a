import type { TaskType } from '../../protocol/models';
import type { ClaimRider } from '../scheduler/claim-rider';

/** One volunteer connection of this process, as the interactive lane sees it. */
export interface LaneSession {
	/**
	 * Leases it one interactive task by the claim its own request on the lane would make, and pushes it; true
	 * when it took one. A `rider` (the new job's insert) goes in that claim, which settles it; a session that
	 * makes no claim leaves it waiting.
	 */
	offer(rider?: ClaimRider): Promise<boolean>;
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
 *
 * A session's load is its live leases and the offers to it still in flight. Requests arriving together
 * would otherwise each pick the same least-loaded session before any of their claims had leased it
 * anything: their claims then queued on that volunteer's lock, and it ran all the tasks while the others
 * sat idle. Offers are also ordered by load when they start, not only when their targets were chosen.
 */
export class LaneOffers {
	/** By session id (its socket id). */
	private readonly sessions = new Map<string, LaneSession>();
	/** Offers in flight, by session id. */
	private readonly offering = new Map<string, number>();

	set(sessionId: string, session: LaneSession) {
		this.sessions.set(sessionId, session);
	}

	delete(sessionId: string) {
		this.sessions.delete(sessionId);
	}

	/**
	 * Offers a task of `taskType` to each of `sessionIds` connected here in turn, the least loaded now first
	 * (those that could not take it now last), until one takes it; false when none did. A `rider` (the new
	 * job's insert, claim-rider.ts) goes with the first claim made, and is settled `unused` if none was.
	 */
	async offer(sessionIds: string[], taskType: TaskType, rider?: ClaimRider): Promise<boolean> {
		try {
			const here = sessionIds.filter((id) => this.sessions.has(id));
			const load = (id: string) => this.loadOf(id, taskType) ?? Infinity;
			// Stable: among equals, the order the caller chose.
			for (const id of here.sort((a, b) => load(a) - load(b))) {
				const session = this.sessions.get(id);
				if (!session) continue; // it left while an earlier one was offered
				this.offering.set(id, (this.offering.get(id) ?? 0) + 1);
				try {
					if (await session.offer(rider?.state === 'waiting' ? rider : undefined)) return true;
				} finally {
					const left = this.offering.get(id)! - 1;
					if (left > 0) this.offering.set(id, left);
					else this.offering.delete(id);
				}
			}
			return false;
		} finally {
			rider?.unused();
		}
	}

	/** Up to `limit` sessions here that could take an interactive task of `taskType` now, the least loaded first. */
	ready(taskType: TaskType, limit: number): string[] {
		const able: { id: string; load: number }[] = [];
		for (const id of this.sessions.keys()) {
			const load = this.loadOf(id, taskType);
			if (load !== null) able.push({ id, load });
		}
		// A stable sort: among equals, the longest connected (first in the map) first, as laneTargets orders them.
		return able
			.sort((a, b) => a.load - b.load)
			.slice(0, limit)
			.map((s) => s.id);
	}

	/** Its live leases and the offers to it in flight, when it could take a task of `taskType` now; null when it could not. */
	private loadOf(id: string, taskType: TaskType): number | null {
		const held = this.sessions.get(id)?.load(taskType) ?? null;
		return held === null ? null : held + (this.offering.get(id) ?? 0);
	}
}
