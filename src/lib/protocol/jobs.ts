import { z } from 'zod';
import { TaskType } from './models';

/** Job states, in the order a job moves through them. */
export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** Task states, in order (pg-boss style): a task only moves forward, except a released lease going back to queued. */
export const TASK_STATES = ['queued', 'leased', 'done', 'dead', 'cancelled'] as const;

/**
 * Claim order, highest first. `interactive` is the lane of synchronous requests (the OpenAI-compatible
 * `/v1` endpoints): served before any batch work and nudged to volunteers at once (interactive-lane.ts).
 * It is the hub's own: a submission may ask only for the batch priorities, so a big job cannot jump the lane.
 */
export const PRIORITIES = { low: 0, normal: 1, high: 2, interactive: 3 } as const;
export type PriorityName = keyof typeof PRIORITIES;
/** The most inputs one task may hold, asked for (`chunk_size`) or chosen by the hub: a result of that many must fit a socket message. */
export const MAX_CHUNK_SIZE = 1000;

const BATCH_PRIORITIES = ['low', 'normal', 'high'] as const satisfies readonly PriorityName[];

/** Hub-side limits on a submission; the hub fills them from its configuration. */
export interface SubmissionLimits {
	maxInputs: number;
	maxInputChars: number;
}

/**
 * A schema bounded by `limits`, built once per limits object: a hub's config holds one for its life, and zod
 * takes 0.2 ms (an embeddings body) to 0.8 ms (a chat body) to build one, which every request paid again (and a
 * batch file once per line).
 */
export function perLimits<S>(build: (limits: SubmissionLimits) => S): (limits: SubmissionLimits) => S {
	const built = new WeakMap<SubmissionLimits, S>();
	return (limits) => {
		let schema = built.get(limits);
		if (schema === undefined) built.set(limits, (schema = build(limits)));
		return schema;
	};
}

/**
 * A job submission, as `POST /api/jobs` and the seed's `POST /tasks/submit` take it.
 * Unknown keys are refused so a typo ("inputs", "modle") is an error, not a silent default;
 * the seed's `laptop_optimized` flag is accepted for its users and has no effect.
 */
export const submissionSchema = perLimits((limits) => {
	const text = z
		.string()
		.min(1, 'an input must not be empty')
		.max(limits.maxInputChars, `an input must be at most ${limits.maxInputChars} characters`);
	return z.strictObject({
		task_type: TaskType,
		model: z.string().min(1, 'model must name a model (see GET /api/models)'),
		input: z.union([
			text,
			z.array(text).min(1, 'input must hold at least one item').max(limits.maxInputs, `input must hold at most ${limits.maxInputs} items`)
		]),
		priority: z.enum(BATCH_PRIORITIES).default('normal'),
		/** Each chunk is computed by this many distinct volunteers and accepted when a majority agree. */
		replication: z.number().int().min(1, 'replication must be 1 to 5').max(5, 'replication must be 1 to 5').default(1),
		/** Inputs per task; by default the hub chooses (server/scheduler/chunk-sizing.ts). */
		chunk_size: z.number().int().min(1).max(MAX_CHUNK_SIZE).optional(),
		params: z.record(z.string(), z.unknown()).default({}),
		laptop_optimized: z.boolean().optional()
	});
});
export type Submission = z.infer<ReturnType<typeof submissionSchema>>;
/** A submission as the hub queues it: a parsed one, or the hub's own `/v1` request in the interactive lane. */
export type QueuedSubmission = Omit<Submission, 'priority'> & { priority: PriorityName };

/** How many inputs a submission has: its job's result has one output for each. */
export function inputsOf(submission: Pick<Submission, 'input'>): number {
	return typeof submission.input === 'string' ? 1 : submission.input.length;
}

export interface JobProgress {
	done: number;
	total: number;
}

/** The live update a job page receives over the /dashboard namespace. */
export interface JobUpdate {
	jobId: string;
	status: JobStatus;
	progress: JobProgress;
}
