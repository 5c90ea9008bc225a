/** The job endpoints' answers (`/api/jobs*`), and the seed's `/tasks/*` forms of two of them. */
import { z } from 'zod';
import { JOB_STATUSES, PRIORITIES, TASK_STATES } from '../jobs';
import { IMAGE_TYPES } from '../images';
import { TaskType } from '../models';
import { Timestamp, Uuid } from './common';

const JobStatus = z.enum(JOB_STATUSES);
const Priority = z.enum(Object.keys(PRIORITIES) as [keyof typeof PRIORITIES, ...(keyof typeof PRIORITIES)[]]);

/** `POST /api/jobs`: the job made (201), or the first one again for a replayed Idempotency-Key (200). */
export const JobCreated = z.object({ job_id: Uuid, status: JobStatus });
export type JobCreated = z.infer<typeof JobCreated>;

/** One entry of `GET /api/jobs`, newest first. */
export const JobListItem = z.object({
	job_id: Uuid,
	task_type: TaskType,
	model: z.string(),
	status: JobStatus,
	inputs: z.number().int(),
	created_at: Timestamp,
	finished_at: Timestamp.nullable()
});
export type JobListItem = z.infer<typeof JobListItem>;

/** `GET /api/jobs/{id}`: a job's status, progress and (once finished) results. */
export const JobStatusView = z.object({
	job_id: Uuid,
	status: JobStatus,
	task_type: TaskType,
	model: z.string(),
	priority: Priority,
	replication: z.number().int(),
	progress: z.object({ done: z.number().int(), total: z.number().int() }),
	tasks: z
		.object({
			total: z.number().int(),
			done: z.number().int(),
			leased: z.number().int(),
			queued: z.number().int(),
			dead: z.number().int(),
			cancelled: z.number().int()
		})
		.describe(
			'chunks of inputs: `done` accepted, `dead` given up on (see `errors`), `cancelled` left unfinished by a cancelled job, the rest waiting or computing'
		),
	errors: z
		.array(z.object({ first_input: z.number().int(), inputs: z.number().int(), error: z.string() }))
		.describe('why dead chunks died, with the inputs they held'),
	created_at: Timestamp,
	started_at: Timestamp.nullable(),
	finished_at: Timestamp.nullable(),
	error: z.string().nullable(),
	waiting: z.string().nullable().describe('why a queued or running job is not moving; null when it is'),
	corrections: z.number().int().describe('accepted results replaced after re-checks found them wrong'),
	corrected_at: Timestamp.nullable(),
	result: z.array(z.unknown()).nullable().describe('one entry per input, in input order, once the job has finished; null before')
});
export type JobStatusView = z.infer<typeof JobStatusView>;

/** `POST /api/jobs/{id}/cancel`. */
export const JobCancelled = z.object({ job_id: Uuid, status: z.literal('cancelled') });
export type JobCancelled = z.infer<typeof JobCancelled>;

/** One replica of one chunk, as `GET /api/jobs/{id}/tasks` lists it. A chunk still in play is `pending`, its details null. */
export const TaskRowView = z.object({
	seq: z.number().int(),
	replica: z.number().int(),
	state: z.enum([...TASK_STATES, 'pending']),
	first_input: z.number().int(),
	inputs: z.number().int(),
	attempts: z.number().int().nullable(),
	failures: z.number().int().nullable(),
	last_error: z.string().nullable(),
	checkpointed: z.number().int().nullable().describe('inputs kept from a yielded lease, not computed again'),
	volunteer_id: z.string().nullable(),
	backend: z.string().nullable(),
	result_class: z.string().nullable(),
	verdict: z.string().nullable(),
	duration_ms: z.number().nullable(),
	solo: z.boolean().optional().describe('admin only'),
	lease_session: z.string().nullable().optional().describe('admin only')
});
export type TaskRowView = z.infer<typeof TaskRowView>;

/** One line of `GET /api/jobs/{id}/results?format=jsonl`: an accepted output, in input order. */
export const ResultLine = z.object({ index: z.number().int(), input: z.string(), output: z.unknown() });
export type ResultLine = z.infer<typeof ResultLine>;

/** The seed's `POST /tasks/submit`: the seed called a job a task. */
export const SeedTaskCreated = z.object({ task_id: Uuid, status: JobStatus });
export type SeedTaskCreated = z.infer<typeof SeedTaskCreated>;

/** The seed's `GET /tasks/{id}/status`: the job's status under the seed's name for its id. */
export const SeedTaskStatus = JobStatusView.omit({ job_id: true }).extend({ task_id: Uuid });
export type SeedTaskStatus = z.infer<typeof SeedTaskStatus>;

/** `POST /api/images`: each image stored, and the `ref` a job names it by. */
export const ImagesUploaded = z.object({
	images: z.array(
		z.object({
			sha256: z.string(),
			ref: z.string().describe('`sha256:<digest>`: what a job input names the image by'),
			type: z.enum(IMAGE_TYPES),
			size: z.number().int(),
			width: z.number().int(),
			height: z.number().int()
		})
	)
});
export type ImagesUploaded = z.infer<typeof ImagesUploaded>;

/**
 * `GET /api/jobs`'s query. `before` is an ISO date or date-time within years 1 to 9999: PostgreSQL reads the
 * ISO form only there (JavaScript dates reach year 275760; one beyond was a 500).
 */
export const JobListQuery = z.object({
	limit: z
		.number('must be a whole number from 1 to 500')
		.int('must be a whole number from 1 to 500')
		.min(1, 'must be a whole number from 1 to 500')
		.max(500, 'must be a whole number from 1 to 500')
		.default(50)
		.optional(),
	before: z
		.union([z.iso.date(), z.iso.datetime({ offset: true })], 'must be an ISO date or date-time')
		.refine((t) => {
			const year = new Date(t).getUTCFullYear();
			return year >= 1 && year <= 9999;
		}, 'must be an ISO date from year 1 to 9999')
		.optional()
		.describe('only jobs created before this instant')
});
