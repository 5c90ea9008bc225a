import type { Hub } from '../hub';
import { cancelJob } from '../scheduler/cancel-job';
import { getJobState, getJobStatus } from '../scheduler/job-status';
import { TERMINAL_JOB_STATUSES } from '../../protocol/jobs';
import type { JobStatusView } from '../../protocol/rest/jobs';

export type AwaitOutcome = { done: JobStatusView } | { gaveUp: 'timeout' | 'aborted' };

/**
 * Polls start fast (a small embedding finishes in tens of milliseconds) and slow down to this; a job that
 * ends in this process wakes its waiter at once (job-ends.ts), so the polls matter for jobs finished by
 * another hub process.
 */
const MAX_POLL_MS = 500;

/**
 * Waits for a job to reach its final state, at most `timeoutMs` or until `signal` aborts (its client went
 * away); a job given up on is cancelled, so no volunteer computes what nobody will read, except one whose
 * client left with `keepOnAbort` (it sent an Idempotency-Key: its retry will want this job's answer). The job's state
 * is read from the database rather than heard from this process's sockets: with several hub processes,
 * the volunteer that finishes it may be connected to another one.
 */
export async function awaitJob(
	hub: Hub,
	jobId: string,
	timeoutMs: number,
	signal?: AbortSignal,
	keepOnAbort = false
): Promise<AwaitOutcome> {
	const deadline = Date.now() + timeoutMs;
	let ended = false;
	for (let pause = 20; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
		// Listening before the read, so an end between the read and the pause still cuts the pause short.
		const end = hub.jobEnds.next(jobId);
		try {
			// Heard to end (in this process): read it whole at once, without first reading its status.
			const status = ended ? null : await getJobState(hub.db, jobId);
			if (ended || (status && TERMINAL_JOB_STATUSES.includes(status))) {
				const view = await getJobStatus(hub.db, jobId, { withResult: true, endedHint: true });
				if (view && TERMINAL_JOB_STATUSES.includes(view.status)) return { done: view };
			}
			const gaveUp = signal?.aborted ? 'aborted' : Date.now() >= deadline ? 'timeout' : null;
			if (gaveUp) {
				if (gaveUp === 'timeout' || !keepOnAbort) await giveUp(hub, jobId);
				return { gaveUp };
			}
			ended = await sleep(Math.min(pause, Math.max(deadline - Date.now(), 0)), signal, end.ended);
		} finally {
			end.cancel();
		}
	}
}

async function giveUp(hub: Hub, jobId: string) {
	const cancelled = await cancelJob(hub.db, jobId);
	if (!cancelled) return;
	hub.notify.tasksCancelled(cancelled.leasedTaskIds);
	hub.notify.jobChanged(jobId, true);
}

/** A pause that an abort, or the job's end, cuts short; true when the job's end did. */
function sleep(ms: number, signal: AbortSignal | undefined, ended: Promise<void>): Promise<boolean> {
	return new Promise((resolve) => {
		const done = (byEnd: boolean) => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', onAbort);
			resolve(byEnd);
		};
		const onAbort = () => done(false);
		const timer = setTimeout(() => done(false), ms);
		signal?.addEventListener('abort', onAbort, { once: true });
		void ended.then(() => done(true));
	});
}
