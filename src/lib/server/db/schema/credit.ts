import { bigint, doublePrecision, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { jobs, tasks } from './jobs';
import { volunteers } from './volunteers';

/**
 * Credit granted, one row per validated result: the leaderboard is a view over this ledger, and
 * `volunteers.credit` is its sum. The credit is the volunteer's and outlives the work it was earned on:
 * deleting a job (or its tasks) keeps the rows and forgets only where they came from (SET NULL), so no
 * one's credit or history shrinks when old jobs go.
 */
export const creditLedger = pgTable(
	'credit_ledger',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		volunteerId: text('volunteer_id')
			.notNull()
			.references(() => volunteers.id, { onDelete: 'cascade' }),
		jobId: uuid('job_id').references(() => jobs.id, { onDelete: 'set null' }),
		/** Unique: one credit per task, whatever path grants it; null only once its task is gone. */
		taskId: bigint('task_id', { mode: 'number' })
			.unique()
			.references(() => tasks.id, { onDelete: 'set null' }),
		amount: doublePrecision('amount').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('credit_ledger_volunteer_idx').on(t.volunteerId, t.createdAt),
		index('credit_ledger_time_idx').on(t.createdAt),
		// Deleting a job sets its rows' job_id null: this finds them (task_id has its unique index).
		index('credit_ledger_job_idx').on(t.jobId)
	]
);
