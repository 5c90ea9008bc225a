/**
 * Which connection of this process holds each lease it granted, so that "stop this task" (`task:cancelled`: a
 * lease expired, its chunk was settled without it, its job was cancelled) goes to that connection alone. Sent to
 * every connection, each cancel cost the hub one message per connected volunteer: with thousands connected and a
 * replicated job's surplus replicas cancelled chunk after chunk, most of its CPU.
 *
 * A lease stays here until its holder ends it (a result, a failure, a release, a checkpoint), it is cancelled,
 * or its connection closes; one ended some other way (handed in over another connection of the same volunteer)
 * stays until then, and a cancel for it, which cannot come, is all it would have been kept for.
 */
export class LeaseHolders {
	private readonly holder = new Map<number, string>();
	private readonly bySession = new Map<string, Set<number>>();

	/** `sessionId` was leased these tasks. */
	hold(sessionId: string, taskIds: number[]): void {
		if (taskIds.length === 0) return;
		const held = this.bySession.get(sessionId) ?? new Set<number>();
		for (const id of taskIds) {
			this.holder.set(id, sessionId);
			held.add(id);
		}
		this.bySession.set(sessionId, held);
	}

	/** Its holder ended this lease. */
	end(sessionId: string, taskId: number): void {
		if (this.holder.get(taskId) !== sessionId) return;
		this.holder.delete(taskId);
		this.bySession.get(sessionId)?.delete(taskId);
	}

	/** The connection closed: its leases are given back (or expire) without it. */
	leave(sessionId: string): void {
		for (const id of this.bySession.get(sessionId) ?? []) if (this.holder.get(id) === sessionId) this.holder.delete(id);
		this.bySession.delete(sessionId);
	}

	/**
	 * The cancelled tasks, forgotten: those held here by session, and those not held here (another hub process's
	 * connections may hold them).
	 */
	cancel(taskIds: number[]): { here: Map<string, number[]>; elsewhere: number[] } {
		const here = new Map<string, number[]>();
		const elsewhere: number[] = [];
		for (const id of taskIds) {
			const sessionId = this.holder.get(id);
			if (sessionId === undefined) {
				elsewhere.push(id);
				continue;
			}
			this.end(sessionId, id);
			here.set(sessionId, [...(here.get(sessionId) ?? []), id]);
		}
		return { here, elsewhere };
	}
}
