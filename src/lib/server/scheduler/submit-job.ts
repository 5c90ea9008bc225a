import type { Db } from '../db';
import { getModel } from '../models/model-queries';
import { createJob } from './create-job';
import { chooseChunkSize, hubSizesChunks, type ChunkSizing } from './chunk-sizing';
import { checkImageInputs, normalizeParams } from './job-params';
import type { QueuedSubmission } from '../../protocol/jobs';

export type SubmitOutcome = { ok: true; id: string } | { ok: false; status: 404 | 400; error: string };

/** Whether a sha256 names an image stored on the hub; by default none is (a hub without an image store). */
export type StoredImageCheck = (sha256: string) => Promise<boolean>;

/** Checks a parsed submission against the models (and images) the hub has, then stores the job and its tasks. */
export async function submitJob(
	db: Db,
	s: QueuedSubmission,
	sizing: ChunkSizing,
	isStoredImage: StoredImageCheck = async () => false,
	ownerKeyId: string | null = null
): Promise<SubmitOutcome> {
	const model = await getModel(db, s.model);
	if (!model) return { ok: false, status: 404, error: `unknown model "${s.model}"; GET /api/models lists the models this hub has` };
	if (!model.taskTypes.includes(s.task_type))
		return { ok: false, status: 400, error: `model "${s.model}" does not do ${s.task_type}; it does ${model.taskTypes.join(', ')}` };
	const inputs = typeof s.input === 'string' ? [s.input] : s.input;
	const params = normalizeParams(s.task_type, model, s.params);
	if (!params.ok) return { ok: false, status: 400, error: params.error };
	if (s.task_type === 'image_classification') {
		const problem = await checkImageInputs(inputs, isStoredImage);
		if (problem) return { ok: false, status: 400, error: problem };
	}
	const job = await createJob(db, {
		taskType: s.task_type,
		modelId: s.model,
		inputs,
		priority: s.priority,
		params: params.params,
		chunkSize: await chooseChunkSize(db, sizing, {
			modelId: s.model,
			taskType: s.task_type,
			inputs: inputs.length,
			explicit: s.chunk_size
		}),
		replication: s.replication,
		chunkSizeAuto: hubSizesChunks(sizing, s.chunk_size) && inputs.length > 1,
		ownerKeyId
	});
	return { ok: true, id: job.id };
}
