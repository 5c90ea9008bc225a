import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apiKeys } from './submitters';
import { jobs } from './jobs';
import { BATCH_ENDPOINT_PATHS, BATCH_STATUSES, FILE_PURPOSES, oneOf } from './states';

/**
 * A file of OpenAI's Files API (openai/batches/): an uploaded batch input or a batch's output or error
 * file. The bytes live in the content-addressed blob store under `sha256`; the row is what makes them a
 * file, and whose. `owner_key_id` null: the admin's. A deleted file's row goes, and its blob with it unless
 * another file or a model shares it (openai/batches/store-file.ts).
 */
export const files = pgTable(
	'files',
	{
		id: text('id').primaryKey(),
		ownerKeyId: uuid('owner_key_id').references(() => apiKeys.id),
		filename: text('filename').notNull(),
		/** `batch` (an upload) or `batch_output` (written by the hub). */
		purpose: text('purpose', { enum: FILE_PURPOSES }).notNull(),
		bytes: integer('bytes').notNull(),
		sha256: text('sha256').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('files_owner_created_idx').on(t.ownerKeyId, t.createdAt), check('files_purpose_check', oneOf(t.purpose, FILE_PURPOSES))]
);

/**
 * An OpenAI batch: its lines (batch_lines) grouped into jobs, lines that differ only in their inputs
 * sharing one (openai/batches/group-lines.ts), finalised once every line's job has ended by writing
 * the output and error files and the final status in one transaction (openai/batches/finalize-batch.ts).
 * Its file ids are no foreign keys, on purpose: as at OpenAI, a batch keeps naming its input, output and
 * error files after their owner deletes them (DELETE /v1/files takes the file, not the batch's record of
 * it), and the hub never reads the input again once the lines are stored.
 */
export const batches = pgTable(
	'batches',
	{
		id: text('id').primaryKey(),
		ownerKeyId: uuid('owner_key_id').references(() => apiKeys.id),
		endpoint: text('endpoint', { enum: BATCH_ENDPOINT_PATHS }).notNull(),
		inputFileId: text('input_file_id').notNull(),
		metadata: jsonb('metadata').$type<Record<string, string>>(),
		/** validating → in_progress → (cancelling →) completed | cancelled | failed | expired. */
		status: text('status', { enum: BATCH_STATUSES }).notNull().default('validating'),
		outputFileId: text('output_file_id'),
		errorFileId: text('error_file_id'),
		/** Set when the batch failed as a whole (its lines could not all be queued). */
		error: text('error'),
		completedCount: integer('completed_count').notNull().default(0),
		failedCount: integer('failed_count').notNull().default(0),
		/** Idempotency-Key of the creating request: `principal` is the key id or `admin`, as idempotency_keys has it. */
		idempotencyPrincipal: text('idempotency_principal'),
		idempotencyKey: text('idempotency_key'),
		bodySha256: text('body_sha256'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		inProgressAt: timestamp('in_progress_at', { withTimezone: true }),
		cancellingAt: timestamp('cancelling_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true })
	},
	(t) => [
		index('batches_owner_id_idx').on(t.ownerKeyId, t.id),
		index('batches_idempotency_idx').on(t.idempotencyPrincipal, t.idempotencyKey),
		index('batches_open_idx')
			.on(t.status)
			.where(sql`${t.status} in ('validating', 'in_progress', 'cancelling')`),
		check('batches_status_check', oneOf(t.status, BATCH_STATUSES)),
		check('batches_endpoint_check', oneOf(t.endpoint, BATCH_ENDPOINT_PATHS))
	]
);

/**
 * One line of a batch's input: the job that computes it (null until queued; other lines may share it, and
 * the line's inputs then sit after those of the earlier lines with that job), or why it was never queued
 * (a quota's refusal). `body` is the line's validated /v1 request and `prompt_tokens` its usage, kept so
 * the output is the synchronous endpoint's response without reading the input again.
 */
export const batchLines = pgTable(
	'batch_lines',
	{
		batchId: text('batch_id')
			.notNull()
			.references(() => batches.id, { onDelete: 'cascade' }),
		line: integer('line').notNull(),
		customId: text('custom_id').notNull(),
		body: jsonb('body').$type<Record<string, unknown>>().notNull(),
		promptTokens: integer('prompt_tokens').notNull(),
		jobId: uuid('job_id').references(() => jobs.id, { onDelete: 'set null' }),
		refusal: jsonb('refusal').$type<{ status_code: number; message: string }>()
	},
	(t) => [
		primaryKey({ columns: [t.batchId, t.line] }),
		index('batch_lines_job_idx').on(t.jobId),
		check('batch_lines_line_check', sql`${t.line} >= 1`)
	]
);
