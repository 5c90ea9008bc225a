import type { Hub } from '../hub';
import type { Principal } from '../auth/principal';
import { inputsOf, type Submission } from '../../protocol/jobs';
import type { ModelManifest, TaskType } from '../../protocol/models';
import { laneTakers } from '../scheduler/interactive-lane';
import { submitAs } from '../http/submit-as';
import { sessionStaleMs } from '../volunteers/sessions';
import { awaitJob, type EndedJob } from './await-job';
import { OpenAiError, invalidParam } from './errors';

/** What a 503 tells a client to wait before trying again: about one heartbeat, when a new volunteer would show. */
const RETRY_AFTER_SECONDS = 10;

/** The model a /v1 request names, which must do `taskType`: 404 `model_not_found` or 400 otherwise. */
export async function modelFor(hub: Hub, id: string, taskType: TaskType): Promise<ModelManifest> {
	// From the hub's few-seconds cache: a synchronous request should not pay a query for what rarely changes.
	const model = await hub.models.one(id);
	if (!model)
		throw new OpenAiError(
			404,
			`The model '${id}' does not exist on this hub (GET /v1/models lists them)`,
			'invalid_request_error',
			'model',
			'model_not_found'
		);
	if (!model.taskTypes.includes(taskType))
		throw invalidParam('model', `model '${id}' does not do ${taskType}; it does ${model.taskTypes.join(', ')}`, 'model_not_supported');
	return model;
}

/**
 * Queues a /v1 request as an ordinary ExoStack job, computed by volunteers: refused at once with a 503
 * when no connected volunteer can run it, else queued through the same path as `POST /api/jobs`
 * (quotas included). With an `idempotencyKey` (the request's Idempotency-Key), a retry gets the first
 * job's id back. Returns the job's id.
 */
export async function queueJob(
	hub: Hub,
	principal: Principal,
	submission: Submission,
	idempotencyKey: string | null = null
): Promise<string> {
	// The volunteers to nudge, found before queueing: none is the 503, at once.
	const targets = await laneTakers(hub.db, hub.notify, submission.task_type, sessionStaleMs(hub.config.heartbeatMs));
	if (targets.length === 0) throw unavailable(`no connected volunteer can run model ${submission.model} right now`);
	// The client holds its connection open for the answer: the interactive lane, ahead of all batch work
	// (scheduler/interactive-lane.ts). A batch line (openai/batches/) queues the same plan at its own priority.
	const outcome = await submitAs(hub, principal, { ...submission, priority: 'interactive' }, { idempotencyKey, laneTargets: targets });
	if (!outcome.ok && outcome.status === 429)
		throw new OpenAiError(429, outcome.error, 'insufficient_quota', null, 'insufficient_quota', {
			'retry-after': String(outcome.retryAfterSeconds)
		});
	if (!outcome.ok)
		throw outcome.status === 404
			? new OpenAiError(404, outcome.error, 'invalid_request_error', 'model', 'model_not_found')
			: invalidParam(null, outcome.error);
	return outcome.id;
}

/**
 * The completed job of `inputs` inputs, waited for within EXOSTACK_OPENAI_WAIT_SECONDS (or until `signal` aborts: the client
 * went away); past that it is cancelled and this is a 503. A job that failed is a 500 saying why. A job
 * queued with an Idempotency-Key (`keepOnAbort`) outlives its client: the client's retry with that key
 * finds it running or done, where a cancelled one could only answer its retry with an error.
 */
export async function finishJob(hub: Hub, jobId: string, inputs: number, signal?: AbortSignal, keepOnAbort = false): Promise<EndedJob> {
	const waited = await awaitJob(hub, jobId, inputs, hub.config.openaiWaitMs, signal, keepOnAbort);
	if ('gaveUp' in waited)
		throw unavailable(
			waited.gaveUp === 'aborted'
				? `the client went away; job ${jobId} was ${keepOnAbort ? 'left for its retry' : 'cancelled'}`
				: `volunteers did not finish this request within ${hub.config.openaiWaitMs / 1000} s (job ${jobId}, now cancelled)`
		);
	const job = waited.done;
	if (job.status !== 'completed')
		throw new OpenAiError(
			500,
			`job ${job.job_id} ${job.status}: ${job.error ?? job.errors[0]?.error ?? 'no reason given'}`,
			'server_error'
		);
	return job;
}

/** Queues a /v1 request's job and waits for it to complete, or for `clientGone` (client-gone.ts) to abort. */
export async function runJob(
	hub: Hub,
	principal: Principal,
	submission: Submission,
	idempotencyKey: string | null,
	clientGone: AbortSignal
): Promise<EndedJob> {
	const jobId = await queueJob(hub, principal, submission, idempotencyKey);
	return finishJob(hub, jobId, inputsOf(submission), clientGone, idempotencyKey !== null);
}

function unavailable(message: string): OpenAiError {
	return new OpenAiError(503, message, 'server_error', null, 'no_volunteer_available', { 'retry-after': String(RETRY_AFTER_SECONDS) });
}
