import type { Hub } from '../hub';
import type { Submission } from '../../protocol/jobs';
import { checkQuota } from '../auth/key-quota';
import { ownerOf, type Principal } from '../auth/principal';
import { isStoredImage } from '../images/store-image';
import { submitJob } from '../scheduler/submit-job';

export type SubmitAsOutcome =
	| { ok: true; id: string }
	| { ok: false; status: 404 | 400; error: string }
	| { ok: false; status: 429; error: string; retryAfterSeconds: number };

/**
 * Queues a parsed submission on behalf of `principal`: its key's quota first, then the model and
 * parameter checks and the job itself, then a nudge to idle volunteers and the observer's record (its
 * span from `start`, when the request began). Every way into the queue (`POST /api/jobs`, the
 * OpenAI-compatible `/v1` endpoints) goes through here, so none can skip a quota or go unrecorded.
 */
export async function submitAs(hub: Hub, principal: Principal, submission: Submission, start = Date.now()): Promise<SubmitAsOutcome> {
	const inputs = typeof submission.input === 'string' ? 1 : submission.input.length;
	const quota = await checkQuota(hub.db, principal, inputs);
	if (!quota.ok) return { ok: false, status: 429, error: quota.error, retryAfterSeconds: quota.retryAfterSeconds };
	const outcome = await submitJob(hub.db, submission, hub.config.chunkSize, (sha) => isStoredImage(hub.blobs, sha), ownerOf(principal));
	if (!outcome.ok) return outcome;
	hub.notify.workAvailable();
	const job = {
		jobId: outcome.id,
		taskType: submission.task_type,
		model: submission.model,
		inputs,
		submitter: ownerOf(principal) ?? 'admin'
	};
	hub.observe.jobSubmitted(job, { start, end: Date.now() });
	return outcome;
}
