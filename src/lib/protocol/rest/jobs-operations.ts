/** The contract of `/api/jobs*`, `/api/images` and the seed's `/tasks/*`. */
import { z } from 'zod';
import { submissionSchema } from '../jobs';
import { ImagesUploaded, JobCancelled, JobCreated, JobListItem, JobStatusView, SeedTaskCreated, SeedTaskStatus, TaskRowView } from './jobs';
import { defineOperations, errors, type Operation } from './operation';
import { Uuid } from './common';

/** The documented form uses the hub's default limits (EXOSTACK_MAX_INPUTS, EXOSTACK_MAX_INPUT_CHARS); a hub may set others. */
export const Submission = submissionSchema({ maxInputs: 10_000, maxInputChars: 20_000 });

const submissionExample = { task_type: 'embedding', model: 'demo-embedding', input: ['first text', 'second text'] };
const JobId = z.object({ id: Uuid });
const idempotency = {
	'Idempotency-Key': 'a retry with the same key and body answers the first job (200, Idempotent-Replayed: true); another body is a 422'
};

const submit = (path: string, tag: 'jobs' | 'seed', answer: z.ZodType, example: unknown): Operation => ({
	method: 'post',
	path,
	tag,
	summary: tag === 'jobs' ? 'Submit a job' : 'Submit a job (the seed calls it a task)',
	description: 'Inputs are split into chunks that volunteers compute; each chunk is replicated `replication` times.',
	auth: 'key',
	headers: idempotency,
	body: { schema: Submission, example: submissionExample },
	responses: {
		201: { description: 'the job is queued', schema: answer, example, headers: { Location: 'the job’s URL' } },
		200: { description: 'a replayed Idempotency-Key: the first job, as it is now', schema: answer },
		...errors(400, 401, 404, 413, 415, 422, 429)
	}
});

const status = (path: string, tag: 'jobs' | 'seed', answer: z.ZodType): Operation => ({
	method: 'get',
	path,
	tag,
	summary: "A job's status, progress and results",
	auth: 'key',
	params: JobId,
	responses: { 200: { description: 'the job', schema: answer }, ...errors(401, 404) }
});

export const JOB_OPERATIONS = defineOperations([
	submit('/api/jobs', 'jobs', JobCreated, { job_id: '0b6f1c9e-2f0a-4a43-9d1e-5b7e0c1d2a3b', status: 'queued' }),
	{
		method: 'get',
		path: '/api/jobs',
		tag: 'jobs',
		summary: "The caller's jobs, newest first",
		description: "A submitter's key sees its own jobs; the admin token sees every job.",
		auth: 'key',
		query: z.object({
			limit: z.number().int().min(1).max(500).default(50).optional(),
			before: z.iso.datetime().optional().describe('only jobs created before this instant')
		}),
		responses: { 200: { description: 'the jobs', schema: z.array(JobListItem) }, ...errors(400, 401) }
	},
	status('/api/jobs/{id}', 'jobs', JobStatusView),
	{
		method: 'post',
		path: '/api/jobs/{id}/cancel',
		tag: 'jobs',
		summary: 'Cancel a queued or running job',
		auth: 'key',
		params: JobId,
		responses: { 200: { description: 'cancelled; its volunteers are told to stop', schema: JobCancelled }, ...errors(401, 404, 409) }
	},
	{
		method: 'get',
		path: '/api/jobs/{id}/results',
		tag: 'jobs',
		summary: 'The accepted results so far, one line per input',
		description: "Streamed in input order. A running job yields what is done; a dead chunk's inputs are absent.",
		auth: 'key',
		params: JobId,
		query: z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl').optional() }),
		responses: {
			200: {
				description: 'JSON Lines of `{index, input, output}`, or CSV with the columns `index,input,output`',
				type: 'application/x-ndjson',
				schema: z.string(),
				also: { type: 'text/csv', schema: z.string() }
			},
			...errors(400, 401, 404)
		}
	},
	{
		method: 'get',
		path: '/api/jobs/{id}/tasks',
		tag: 'jobs',
		summary: "A job's tasks: one per replica of each chunk",
		description: 'A chunk still in play shows its replicas as `pending` only: a volunteer must not learn whether its lease is checked.',
		auth: 'key',
		params: JobId,
		responses: { 200: { description: 'the tasks, in chunk order', schema: z.array(TaskRowView) }, ...errors(401, 404) }
	},
	{
		method: 'post',
		path: '/api/images',
		tag: 'jobs',
		summary: 'Upload images for image_classification jobs',
		description: 'One PNG or JPEG as the body, or multipart/form-data with up to 100 files. Nothing is stored unless every image passes.',
		auth: 'key',
		body: { type: 'image/png', description: 'or image/jpeg, application/octet-stream, multipart/form-data' },
		responses: { 201: { description: 'stored', schema: ImagesUploaded }, ...errors(400, 401, 413, 415) }
	},
	submit('/tasks/submit', 'seed', SeedTaskCreated, { task_id: '0b6f1c9e-2f0a-4a43-9d1e-5b7e0c1d2a3b', status: 'queued' }),
	status('/tasks/{id}/status', 'seed', SeedTaskStatus)
]);
