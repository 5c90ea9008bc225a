import type { Db } from '../db';
import { getModel } from '../models/model-queries';
import { createJob } from './create-job';
import type { Submission } from '../../protocol/jobs';

export type SubmitOutcome = { ok: true; id: string } | { ok: false; status: 404 | 400; error: string };

/** Checks a parsed submission against the models the hub has, then stores the job and its tasks. */
export async function submitJob(db: Db, s: Submission, defaultChunkSize: number): Promise<SubmitOutcome> {
	const model = await getModel(db, s.model);
	if (!model) return { ok: false, status: 404, error: `unknown model "${s.model}"; GET /api/models lists the models this hub has` };
	if (!model.taskTypes.includes(s.task_type))
		return { ok: false, status: 400, error: `model "${s.model}" does not do ${s.task_type}; it does ${model.taskTypes.join(', ')}` };
	const inputs = typeof s.input === 'string' ? [s.input] : s.input;
	const job = await createJob(db, {
		taskType: s.task_type,
		modelId: s.model,
		inputs,
		priority: s.priority,
		params: s.params,
		chunkSize: s.chunk_size ?? defaultChunkSize,
		replication: s.replication
	});
	return { ok: true, id: job.id };
}
