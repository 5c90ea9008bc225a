/**
 * The job endpoints' answers, built only here and typed by the contract (protocol/rest/jobs.ts). `/api/*`
 * calls a job `job_id`; the seed's `/tasks/*` paths keep its `task_id`, renamed here and nowhere else.
 */
import type { JobStatus } from '../../protocol/jobs';
import type {
	JobCancelled,
	JobCreated,
	JobListItem,
	JobStatusView,
	SeedTaskCreated,
	SeedTaskStatus,
	TaskRowView
} from '../../protocol/rest/jobs';
import type { listJobs, listJobTasks } from '../scheduler/list-jobs';

export const jobCreatedView = (id: string, status: JobStatus): JobCreated => ({ job_id: id, status });
export const seedTaskCreatedView = (id: string, status: JobStatus): SeedTaskCreated => ({ task_id: id, status });
export const jobCancelledView = (id: string): JobCancelled => ({ job_id: id, status: 'cancelled' });

export function seedTaskStatusView(view: JobStatusView): SeedTaskStatus {
	const { job_id, ...rest } = view;
	return { task_id: job_id, ...rest };
}

export function jobListItemView(j: Awaited<ReturnType<typeof listJobs>>[number]): JobListItem {
	return {
		job_id: j.id,
		task_type: j.taskType,
		model: j.modelId,
		status: j.status,
		inputs: j.totalInputs,
		created_at: j.createdAt.toISOString(),
		finished_at: j.finishedAt?.toISOString() ?? null
	};
}

type TaskRow = Awaited<ReturnType<typeof listJobTasks>>[number];

/** A settled replica as its owner sees it: who computed it, how it went. */
export function taskRowView(t: Omit<TaskRow, 'solo' | 'leaseSession'>): TaskRowView {
	return {
		seq: t.seq,
		replica: t.replica,
		state: t.state,
		first_input: t.firstInput,
		inputs: t.inputs.length,
		attempts: t.attempts,
		failures: t.failures,
		last_error: t.lastError,
		checkpointed: t.checkpointed,
		volunteer_id: t.volunteerId,
		backend: t.backend,
		result_class: t.resultClass,
		verdict: t.verdict,
		duration_ms: t.durationMs
	};
}

/** The operator sees live work as it is, lease sessions and solo grants included. */
export const adminTaskRowView = (t: TaskRow): TaskRowView => ({ ...taskRowView(t), solo: t.solo, lease_session: t.leaseSession });

/** A replica of a chunk still in play: its place, nothing about who holds it or how it went (public-tasks.ts). */
export function pendingTaskRowView(t: { seq: number; replica: number; firstInput: number; inputs: string[] }): TaskRowView {
	return {
		seq: t.seq,
		replica: t.replica,
		state: 'pending',
		first_input: t.firstInput,
		inputs: t.inputs.length,
		attempts: null,
		failures: null,
		last_error: null,
		checkpointed: null,
		volunteer_id: null,
		backend: null,
		result_class: null,
		verdict: null,
		duration_ms: null
	};
}
