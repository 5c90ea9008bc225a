import type { Hub } from '../hub';
import type { Db } from '../db';
import { randomUUID } from 'node:crypto';
import { inputsOf, type QueuedSubmission } from '../../protocol/jobs';
import { checkQuota } from '../auth/key-quota';
import { ownerOf, type Principal } from '../auth/principal';
import { isStoredImage } from '../images/store-image';
import { planJob, submitJob, type SubmitContext } from '../scheduler/submit-job';
import { createJobOnce, fitsOneInsert, insertWhole } from '../scheduler/create-job';
import { ClaimRider } from '../scheduler/claim-rider';
import { announceJob, laneTakers } from '../scheduler/interactive-lane';
import { sessionStaleMs } from '../volunteers/sessions';
import { idempotent, type Created, type IdempotentOutcome } from './idempotency';
import { spanNow } from '../observe/tracing';

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
	{ start = spanNow(), idempotencyKey = null, laneTargets }: SubmitOptions = {}
): Promise<SubmitAsOutcome> {
	const inputs = inputsOf(submission);
	// Read before the key's transaction (submit-job.ts says why).
	const manifest = await hub.models.one(submission.model);
	const context = { isStoredImage: (sha: string) => isStoredImage(hub.blobs, sha), ownerKeyId: ownerOf(principal), manifest };
	const staleMs = sessionStaleMs(hub.config.heartbeatMs);
	// An interactive job's takers, looked up before it is stored, so it can be stored in the claim of one of them;
	// not with an Idempotency-Key, whose own transaction the job must be stored in.
	const takers =
		submission.priority === 'interactive' && idempotencyKey === null
			? (laneTargets ?? (await laneTakers(hub.db, hub.notify, submission.task_type, staleMs)))
			: undefined;
	// With an Idempotency-Key, the quota check and the job are in the key's transaction (http/idempotency.ts).
	const outcome =
		takers && takers.length > 0
			? await submitOnLane(hub, principal, submission, context, takers)
			: await idempotent(hub.db, principal, idempotencyKey, submission, async (db): Promise<Created<Refusal>> => {
					return (await quotaRefusal(db, principal, inputs)) ?? submitJob(db, submission, hub.config, context);
				});
	// A replay queued nothing: no nudge, no second record.
	if (!outcome.ok || outcome.replayed) return outcome;
	// One stored in its taker's claim was announced by being leased (and any of its targets not here nudged).
	if (!('leased' in outcome && outcome.leased))
		await announceJob(
			hub.db,
			hub.notify,
			{ priority: submission.priority, taskType: submission.task_type, tasks: outcome.tasks },
			staleMs,
			takers ?? laneTargets
		);
	const job = {
		jobId: outcome.id,
		taskType: submission.task_type,
		model: submission.model,
		inputs,
		submitter: ownerOf(principal) ?? 'admin'
	};
	hub.observe.jobSubmitted(job, { start, end: spanNow() });
	return outcome;
}

/**
 * An interactive job with volunteers here to take it (no Idempotency-Key, whose transaction it would need):
 * stored in the lane claim of the first of them that can take it (claim-rider.ts), so no other claim sees it
 * queued and its insert costs no round trip of its own. `leased`: it was, and so it is announced. When no
 * claim carried it, or the claim failed, it is stored on its own, under the same id (createJobOnce: a
 * claim that failed may still have committed it), and announced as any job is.
 */
async function submitOnLane(
	hub: Hub,
	principal: Principal,
	submission: QueuedSubmission,
	context: SubmitContext,
	targets: string[]
): Promise<(IdempotentOutcome<Refusal> & { leased?: boolean }) | Refusal> {
	const refused = await quotaRefusal(hub.db, principal, inputsOf(submission));
	if (refused) return refused;
	const planned = await planJob(hub.db, submission, hub.config, context);
	if (!planned.ok) return planned;
	const job = { ...planned.job, id: randomUUID() };
	let leased = false;
	if (fitsOneInsert(job)) {
		const rider = new ClaimRider((tx) => insertWhole(tx, job).statement);
		hub.notify.laneWork(targets, submission.task_type, rider);
		// A failed claim is not this request's failure: the job is stored on its own below.
		leased = (await rider.outcome.catch(() => 'failed')) === 'rode';
	}
	if (!leased) await createJobOnce(hub.db, job);
	return { ok: true, id: job.id, replayed: false, leased };
}

/** The key's quota refusing a job of `inputs` inputs (a 429), or null when it allows it. */
async function quotaRefusal(db: Db, principal: Principal, inputs: number): Promise<Refusal | null> {
	const quota = await checkQuota(db, principal, inputs);
	return quota.ok ? null : { ok: false, status: 429, error: quota.error, retryAfterSeconds: quota.retryAfterSeconds };
}
