/**
 * The interactive lane's offers (scheduler/interactive-lane.ts): for each volunteer connection of this
 * process, a way to lease it one interactive task by the claim its own request on the lane would make,
 * and push the lease to it (`task:offer`). A request whose client waits then needs no nudge to the
 * volunteer and no request back before the task starts. The volunteer namespace fills it; the notifier
 * uses it.
 */
export class LaneOffers {
	/** By session id (its socket id): true when the session took a task. */
	private readonly offers = new Map<string, () => Promise<boolean>>();

	set(sessionId: string, offer: () => Promise<boolean>) {
		this.offers.set(sessionId, offer);
	}

	delete(sessionId: string) {
		this.offers.delete(sessionId);
	}

	/** Offers to each of `sessionIds` connected here in turn, until one takes a task; false when none did. */
	async offer(sessionIds: string[]): Promise<boolean> {
		for (const id of sessionIds) {
			const offer = this.offers.get(id);
			if (offer && (await offer())) return true;
		}
		return false;
	}
}
