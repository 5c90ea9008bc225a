import { eq, sql } from 'drizzle-orm';
import { volunteers } from '../db/schema';
import type { Db } from '../db';

interface Change {
	tasks: number;
	inputs: number;
	credit: number;
	valid: number;
	/** An invalid result: counted, and the volunteer's run of valid results starts again from zero. */
	invalid: number;
}

/**
 * What a transaction changes on volunteers' records, gathered and written at its very end, one
 * statement per volunteer, in a fixed order. Volunteer rows are the hottest rows there are (every
 * result of a volunteer touches its row): holding their locks only for the last moment of a
 * transaction keeps completions from queueing behind each other, and the fixed order keeps two
 * transactions that touch the same volunteers from deadlocking.
 */
export class VolunteerTally {
	private changes = new Map<string, Change>();

	add(volunteerId: string, change: Partial<Change>) {
		const c = this.changes.get(volunteerId) ?? { tasks: 0, inputs: 0, credit: 0, valid: 0, invalid: 0 };
		for (const [k, v] of Object.entries(change) as [keyof Change, number][]) c[k] += v;
		this.changes.set(volunteerId, c);
	}

	/**
	 * Sent together, in one round trip: statements of one transaction run in the order they were sent, so the
	 * rows are still locked in the fixed order (each awaited in turn, a chunk with three volunteers took three).
	 */
	async apply(tx: Db) {
		await Promise.all(
			[...this.changes]
				.sort(([a], [b]) => (a < b ? -1 : 1))
				.map(([id, c]) =>
					tx
						.update(volunteers)
						.set({
							tasksDone: sql`${volunteers.tasksDone} + ${c.tasks}`,
							inputsDone: sql`${volunteers.inputsDone} + ${c.inputs}`,
							credit: sql`${volunteers.credit} + ${c.credit}`,
							validResults: sql`${volunteers.validResults} + ${c.valid}`,
							invalidResults: sql`${volunteers.invalidResults} + ${c.invalid}`,
							consecutiveValid: c.invalid > 0 ? 0 : sql`${volunteers.consecutiveValid} + ${c.valid}`
						})
						.where(eq(volunteers.id, id))
				)
		);
	}
}
