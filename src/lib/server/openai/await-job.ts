import type { Hub } from '../hub';
import { cancelJob } from '../scheduler/cancel-job';
import { getJobState, getJobStatus } from '../scheduler/job-status';
import { TERMINAL_JOB_STATUSES } from '../../protocol/jobs';
import type { JobStatusView } from '../../protocol/rest/jobs';

/** A job waited for to its end: what a /v1 answer needs of it. */
export type EndedJob = Pick<JobStatusView, 'job_id' | 'status' | 'result' | 'error' | 'errors'>;

export type AwaitOutcome = { done: EndedJob } | { gaveUp: 'timeout' | 'aborted' };

/**
 * Polls start fast (a small embedding finishes in tens of milliseconds) and slow down to this; a job
 * settled in this process wakes its waiter at once (job-ends.ts), so the polls matter for jobs finished by
 * another hub process.
 */
const MAX_POLL_MS = 500;

/**
 * Waits for a job of `inputs` inputs to reach its final state, at most `timeoutMs` or until `signal` aborts
 * (its client went away); a job given up on is cancelled, so no volunteer computes what nobody will read,
 * except one whose client left with `keepOnAbort` (it sent an Idempotency-Key: its retry will want this
 * job's answer).
 *
 * Once every input's output was accepted in this process the job is complete, and it is answered from
 * those committed outputs at once: the job's row says `completed` a statement later (its finish check),
 * which the client need not wait for. Otherwise the job's state is read from the database rather than
 * heard from this process's sockets: with several hub processes, the volunteer that finishes it may be
 * connected to another one.
 */
export async function awaitJob(
	hub: Hub,
	jobId: string,
	inputs: number,
	timeoutMs: number,
	signal?: AbortSignal,
	keepOnAbort = false
): Promise<AwaitOutcome> {
	const deadline = Date.now() + timeoutMs;
	const watch = hub.jobEnds.watch(jobId, inputs);
	try {
		for (let pause = 20; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
			const accepted = watch.outputs;
			if (accepted) return { done: { job_id: jobId, status: 'completed', result: accepted, error: null, errors: [] } };
			// Heard to end (in this process): read it whole at once, without first reading its status.
			const status = watch.hasEnded ? null : await getJobState(hub.db, jobId);
			if (watch.hasEnded || (status && TERMINAL_JOB_STATUSES.includes(status))) {
				const view = await getJobStatus(hub.db, jobId, { withResult: true, endedHint: true });
				if (view && TERMINAL_JOB_STATUSES.includes(view.status)) return { done: view };
			}
			const gaveUp = signal?.aborted ? 'aborted' : Date.now() >= deadline ? 'timeout' : null;
			if (gaveUp) {
				if (gaveUp === 'timeout' || !keepOnAbort) await giveUp(hub, jobId);
				return { gaveUp };
			}
			await sleep(Math.min(pause, Math.max(deadline - Date.now(), 0)), signal, watch.changed());
		}
	} finally {
		watch.close();
	}
}

async function giveUp(hub: Hub, jobId: string) {
	const cancelled = await cancelJob(hub.db, jobId);
	if (!cancelled) return;
	hub.notify.tasksCancelled(cancelled.leasedTaskIds);
	hub.notify.jobChanged(jobId, true);
}

/** A pause that an abort, or word of the job (`heard`), cuts short. */
function sleep(ms: number, signal: AbortSignal | undefined, heard: Promise<void>): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, { once: true });
		void heard.then(done);
	});
}
