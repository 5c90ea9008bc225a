import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { JobStatus, TaskState } from '../../../protocol/jobs';
import type { TaskType } from '../../../protocol/models';
import { models } from './models';

export const jobs = pgTable('jobs', {
	id: uuid('id').primaryKey().defaultRandom(),
	taskType: text('task_type').$type<TaskType>().notNull(),
	modelId: text('model_id')
		.notNull()
		.references(() => models.id),
	params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
	priority: integer('priority').notNull().default(1),
	status: text('status').$type<JobStatus>().notNull().default('queued'),
	totalInputs: integer('total_inputs').notNull(),
	totalTasks: integer('total_tasks').notNull(),
	error: text('error'),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	startedAt: timestamp('started_at', { withTimezone: true }),
	finishedAt: timestamp('finished_at', { withTimezone: true })
});

/**
 * A chunk of a job's inputs: the unit that is leased, computed and accepted.
 * The job's type, model and priority are copied here so a claim reads one table.
 */
export const tasks = pgTable(
	'tasks',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		jobId: uuid('job_id')
			.notNull()
			.references(() => jobs.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		/** Index of this task's first input within the job. */
		firstInput: integer('first_input').notNull(),
		inputs: jsonb('inputs').$type<string[]>().notNull(),
		taskType: text('task_type').$type<TaskType>().notNull(),
		modelId: text('model_id').notNull(),
		priority: integer('priority').notNull(),
		state: text('state').$type<TaskState>().notNull().default('queued'),
		leaseToken: uuid('lease_token'),
		/** The session holding the lease (released when it disconnects) and its volunteer (bound to the result). */
		leaseSession: text('lease_session'),
		leaseVolunteer: text('lease_volunteer'),
		leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
		/** How many leases were granted; failures counts the ones that ended in an error or expiry. */
		attempts: integer('attempts').notNull().default(0),
		failures: integer('failures').notNull().default(0),
		lastError: text('last_error'),
		/** A failed task waits until then before it is leased again (back-off). */
		availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true })
	},
	(t) => [
		// The claim scans queued tasks in priority order; a partial index keeps it small.
		index('tasks_claimable_idx')
			.on(t.priority.desc(), t.id)
			.where(sql`${t.state} = 'queued'`),
		index('tasks_job_idx').on(t.jobId, t.seq),
		index('tasks_leased_idx')
			.on(t.leaseExpiresAt)
			.where(sql`${t.state} = 'leased'`),
		index('tasks_lease_session_idx')
			.on(t.leaseSession)
			.where(sql`${t.state} = 'leased'`)
	]
);

/** The accepted output of a task: one row per task, written once under the task's lease token. */
export const results = pgTable(
	'results',
	{
		taskId: bigint('task_id', { mode: 'number' })
			.primaryKey()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		jobId: uuid('job_id').notNull(),
		volunteerId: text('volunteer_id').notNull(),
		output: jsonb('output').$type<unknown[]>().notNull(),
		backend: text('backend').notNull(),
		durationMs: real('duration_ms').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('results_job_idx').on(t.jobId)]
);
