import type { Db } from '../db';
import { getModel } from '../models/model-queries';
import { createJob, type NewJob } from './create-job';
import { chooseChunkSize, hubSizesChunks, type ChunkSizing } from './chunk-sizing';
import { checkImageInputs, normalizeParams } from './job-params';
import type { QueuedSubmission } from '../../protocol/jobs';
import type { ModelManifest } from '../../protocol/models';

/** `tasks`: the replicas queued, which volunteers can claim now. */
export type SubmitOutcome = { ok: true; id: string; tasks: number } | { ok: false; status: 404 | 400; error: string };

/** What a submission is checked against, beyond the database. */
export interface SubmitContext {
	/** Whether a sha256 names an image stored on the hub; absent: none is (a hub without an image store). */
	isStoredImage?: (sha256: string) => Promise<boolean>;
	/** The API key submitting it; absent or null: the admin. */
	ownerKeyId?: string | null;
	/**
	 * The model's manifest as the caller already read it (null: no such model); absent: read here, with
	 * `db`. The hub reads it from its few-seconds cache before any transaction: a read on another
	 * connection from inside one would wait for ever on PGlite, whose one connection the transaction holds.
	 */
	manifest?: ModelManifest | null;
}

/** Checks a parsed submission against the models (and images) the hub has, then stores the job and its tasks. */
export async function submitJob(db: Db, s: QueuedSubmission, sizing: ChunkSizing, context: SubmitContext = {}): Promise<SubmitOutcome> {
	const planned = await planJob(db, s, sizing, context);
	if (!planned.ok) return planned;
	const job = await createJob(db, planned.job);
	return { ok: true, id: job.id, tasks: job.totalTasks * planned.job.replication };
}

/** A parsed submission checked against the models (and images) the hub has, as the job to store, or why it is refused. */
export async function planJob(
	db: Db,
	s: QueuedSubmission,
	sizing: ChunkSizing,
	{ isStoredImage = async () => false, ownerKeyId = null, manifest }: SubmitContext = {}
): Promise<{ ok: true; job: NewJob } | Extract<SubmitOutcome, { ok: false }>> {
	const model = manifest === undefined ? await getModel(db, s.model) : manifest;
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
	const job: NewJob = {
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
	};
	return { ok: true, job };
}
