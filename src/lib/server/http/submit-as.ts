import type { Hub } from '../hub';
import { inputsOf, type QueuedSubmission } from '../../protocol/jobs';
import { checkQuota } from '../auth/key-quota';
import { ownerOf, type Principal } from '../auth/principal';
import { isStoredImage } from '../images/store-image';
import { submitJob } from '../scheduler/submit-job';
import { announceJob } from '../scheduler/interactive-lane';
import { sessionStaleMs } from '../volunteers/sessions';
import { idempotent, type Created, type IdempotentOutcome } from './idempotency';

type Refusal = { ok: false; status: 404 | 400; error: string } | { ok: false; status: 429; error: string; retryAfterSeconds: number };

/** The job queued, or (`replayed`) the one an earlier request with the same Idempotency-Key queued, or why not. */
export type SubmitAsOutcome = IdempotentOutcome<Refusal>;

/**
 * Queues a parsed submission on behalf of `principal`: its key's quota first, then the model and
 * parameter checks and the job itself, then a nudge to idle volunteers and the observer's record (its
 * span from `start`, when the request began). Every way into the queue (`POST /api/jobs`, the
 * OpenAI-compatible `/v1` endpoints) goes through here, so none can skip a quota or go unrecorded; an
 * `idempotencyKey` makes a retry return the first job instead.
 */
export interface SubmitOptions {
	/** When the request began (the observer's span starts there); default: now. */
	start?: number;
	/** The caller's Idempotency-Key header, if it sent one. */
	idempotencyKey?: string | null;
	/** An interactive job's volunteers to nudge, when the caller already looked them up (interactive-lane.ts). */
	laneTargets?: string[];
}

export async function submitAs(
	hub: Hub,
	principal: Principal,
	submission: QueuedSubmission,
	{ start = Date.now(), idempotencyKey = null, laneTargets }: SubmitOptions = {}
): Promise<SubmitAsOutcome> {
	const inputs = inputsOf(submission);
	// Read before the key's transaction (submit-job.ts says why).
	const manifest = await hub.models.one(submission.model);
	// With an Idempotency-Key, the quota check and the job are in the key's transaction (http/idempotency.ts).
	const outcome = await idempotent(hub.db, principal, idempotencyKey, submission, async (db): Promise<Created<Refusal>> => {
		const quota = await checkQuota(db, principal, inputs);
		if (!quota.ok) return { ok: false, status: 429, error: quota.error, retryAfterSeconds: quota.retryAfterSeconds };
		return submitJob(db, submission, hub.config, {
			isStoredImage: (sha) => isStoredImage(hub.blobs, sha),
			ownerKeyId: ownerOf(principal),
			manifest
		});
	});
	// A replay queued nothing: no nudge, no second record.
	if (!outcome.ok || outcome.replayed) return outcome;
	const staleMs = sessionStaleMs(hub.config.heartbeatMs);
	await announceJob(hub.db, hub.notify, { priority: submission.priority, taskType: submission.task_type }, staleMs, laneTargets);
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
