/**
 * Whether the volunteers handed in what the model computes: the bench's jobs repeat ten inputs, and the
 * tiny model is deterministic on one machine, so every result for one input must be the same output.
 * A simulated device that skipped the model would show as more than one distinct output per input.
 */
import type { Sql } from 'postgres';

export async function outputsAgree(sql: Sql, jobId: string): Promise<{ results: number; inputs: number; distinctOutputs: number }> {
	const [row] = await sql<{ results: number; inputs: number; distinct_outputs: number }[]>`
		select count(*)::int as results, count(distinct t.inputs)::int as inputs,
			count(distinct (t.inputs::text, r.output::text))::int as distinct_outputs
		from results r join tasks t on t.id = r.task_id
		where r.job_id = ${jobId}`;
	return { results: row.results, inputs: row.inputs, distinctOutputs: row.distinct_outputs };
}
