/** Fixtures for the chunk sizing specs: honest answers that depend on each input alone, whatever chunk it is in. */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { completeTask } from './complete-task';
import { claimFor, policy, vec } from './testing';

type Lease = { id: number; leaseToken: string; inputs: string[]; checkpointed: number };

/** The right output of makeJob's input `input ${i}`: vec(i), so an input's output never depends on where its chunk starts. */
export const outputOf = (input: string) => vec(Number(input.replace('input ', '')));

/** Hands in the right outputs of a lease's inputs (after its checkpoint), reporting `durationMs`. */
export function completeRight(db: Db, t: Lease, volunteerId: string, durationMs = 5) {
	const outputs = t.inputs.slice(t.checkpointed).map(outputOf);
	return completeTask(
		db,
		{ taskId: t.id, leaseToken: t.leaseToken, volunteerId, outputs, backend: 'wasm', resultClass: 'wasm/fp32', durationMs },
		policy
	);
}

/** Lets `volunteers` take turns claiming one task each and answering it rightly until none of them gets one. */
export async function drain(db: Db, volunteers: string[], durationMs = 5) {
	for (let idle = 0; idle < volunteers.length;) {
		idle = 0;
		for (const v of volunteers) {
			const [t] = await claimFor(db, v);
			if (!t) idle++;
			else await completeRight(db, t, v, durationMs);
		}
	}
}

/** Every replica of a job, in chunk order, as stored. */
export async function replicasOf(db: Db, jobId: string) {
	return rowsOf<{ id: number; seq: number; replica: number; first_input: number; inputs: string[]; state: string; attempts: number }>(
		await db.execute(sql`select * from tasks where job_id = ${jobId} order by seq, replica`)
	).map((r) => ({ ...r, id: Number(r.id) }));
}
