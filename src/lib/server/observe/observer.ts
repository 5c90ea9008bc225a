/**
 * What an operator sees of a job's life, in one place per event: each method logs the event (with its
 * ids), counts it in the metrics and, when tracing is on, records its span. The scheduler knows nothing
 * of this; the callers that act on its outcomes (routes, socket handlers, the sweeper) report here.
 *
 * Levels: what happens once per job (submitted, finished, cancelled) is info; what happens once per task
 * on the hot path (leased, a result accepted) is debug; what goes wrong with a task (a rejected result,
 * a reported failure, an expired lease) is info or warn.
 */
import type { JobStatus } from '../../protocol/jobs';
import type { CompletionOutcome } from '../scheduler/complete-task';
import type { Logger } from '../log';
import { metrics } from '../metrics/registry';
import type { JobTracer, LeaseRef, SpanTimes } from './tracing';

export interface SubmittedJob {
	jobId: string;
	taskType: string;
	model: string;
	inputs: number;
	/** The API key's id, or `admin`. */
	submitter: string;
}

export interface Observer {
	/** The hub's logger (carries `hub_id`), for what is not one of these events. */
	readonly log: Logger;
	jobSubmitted(job: SubmittedJob, times: SpanTimes): void;
	jobCancelled(jobId: string, by: string): void;
	jobFinished(jobId: string, status: JobStatus): void;
	/** One claim's leases (none, when nothing was claimable); the claim's duration is the lease latency. */
	tasksLeased(volunteerId: string, leases: LeaseRef[], times: SpanTimes): void;
	resultHandled(volunteerId: string, lease: Omit<LeaseRef, 'jobId'>, outcome: CompletionOutcome, times: SpanTimes): void;
	taskFailed(volunteerId: string, lease: LeaseRef, state: string, error: string): void;
	/**
	 * What a sweep expired: the tasks, and the jobs they belong to (the sweep's query does not pair them);
	 * `uncounted`, those of the tasks not counted as their holders' failures (db/reach.ts).
	 */
	leasesExpired(taskIds: number[], jobIds: string[], uncounted: number[]): void;
	/** Flushes what tracing has pending. */
	stop(): Promise<void>;
}

const seconds = (t: SpanTimes) => (t.end - t.start) / 1000;

export function createObserver(log: Logger, tracer: JobTracer | null): Observer {
	return {
		log,
		jobSubmitted(job, times) {
			metrics.jobsSubmitted.inc();
			log.info(
				{ job_id: job.jobId, submitter: job.submitter, task_type: job.taskType, model: job.model, inputs: job.inputs },
				'job submitted'
			);
			tracer?.jobSubmitted(
				job.jobId,
				{
					'exostack.job.id': job.jobId,
					'exostack.submitter': job.submitter,
					'exostack.task_type': job.taskType,
					'exostack.model': job.model,
					'exostack.inputs': job.inputs
				},
				times
			);
		},
		jobCancelled(jobId, by) {
			metrics.jobsFinished.inc({ status: 'cancelled' });
			log.info({ job_id: jobId, by }, 'job cancelled');
			tracer?.jobFinished(jobId, 'cancelled');
		},
		jobFinished(jobId, status) {
			metrics.jobsFinished.inc({ status });
			log[status === 'failed' ? 'warn' : 'info']({ job_id: jobId, status }, `job ${status}`);
			tracer?.jobFinished(jobId, status);
		},
		tasksLeased(volunteerId, leases, times) {
			metrics.claimSeconds.observe(seconds(times));
			metrics.leases.inc(leases.length);
			for (const lease of leases) {
				log.debug({ task_id: lease.taskId, job_id: lease.jobId, volunteer_id: volunteerId }, 'task leased');
				tracer?.leased(
					lease,
					{ 'exostack.job.id': lease.jobId, 'exostack.task.id': lease.taskId, 'exostack.volunteer.id': volunteerId },
					times
				);
			}
		},
		resultHandled(volunteerId, lease, outcome, times) {
			metrics.completeSeconds.observe(seconds(times));
			metrics.results.inc({ outcome: outcome.stored ? outcome.settlement.outcome : outcome.reason });
			const ids = { task_id: lease.taskId, volunteer_id: volunteerId };
			// A stale lease names no job the volunteer still holds: nothing to trace, and no news (a late result).
			if (!outcome.stored && outcome.reason === 'stale_lease') return void log.debug(ids, 'result refused: the lease is no longer held');
			const attributes = { 'exostack.job.id': outcome.jobId, 'exostack.task.id': lease.taskId, 'exostack.volunteer.id': volunteerId };
			if (outcome.stored) {
				log.debug({ ...ids, job_id: outcome.jobId, settlement: outcome.settlement.outcome }, 'result accepted');
				tracer?.leaseEnded(
					'task.result',
					{ ...lease, jobId: outcome.jobId },
					{ ...attributes, 'exostack.settlement': outcome.settlement.outcome },
					times
				);
			} else {
				log.warn({ ...ids, job_id: outcome.jobId, error: outcome.error }, 'result rejected');
				tracer?.leaseEnded('task.result', { ...lease, jobId: outcome.jobId }, attributes, times, outcome.error);
			}
		},
		taskFailed(volunteerId, lease, state, error) {
			metrics.taskFailures.inc();
			log.info({ task_id: lease.taskId, job_id: lease.jobId, volunteer_id: volunteerId, state, error }, 'task failed on its volunteer');
			const now = Date.now();
			tracer?.leaseEnded(
				'task.fail',
				lease,
				{
					'exostack.job.id': lease.jobId,
					'exostack.task.id': lease.taskId,
					'exostack.volunteer.id': volunteerId,
					'exostack.task.state': state
				},
				{ start: now, end: now },
				error
			);
		},
		leasesExpired(taskIds, jobIds, uncounted) {
			if (taskIds.length === 0) return;
			metrics.leaseExpiries.inc(taskIds.length);
			const counted = taskIds.filter((id) => !uncounted.includes(id));
			if (counted.length > 0) log.info({ task_ids: counted, job_ids: jobIds }, 'leases expired: their volunteers went silent');
			if (uncounted.length > 0)
				log.warn({ task_ids: uncounted, job_ids: jobIds }, 'leases expired while the hub was out of reach: not counted');
		},
		stop: async () => tracer?.shutdown()
	};
}
