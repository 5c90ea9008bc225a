import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { models } from './models';
import { apiKeys } from './submitters';
import { volunteers } from './volunteers';
import { BACKEND_CLASSES, BACKENDS, JOB_STATUSES, oneOf, TASK_STATES, TASK_TYPES, VERDICTS } from './states';

/** One volunteer's share of a checkpoint: the next `outputs` outputs, in order. */
export interface CheckpointPart {
	volunteerId: string;
	outputs: number;
}

export const jobs = pgTable(
	'jobs',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		taskType: text('task_type', { enum: TASK_TYPES }).notNull(),
		modelId: text('model_id')
			.notNull()
			.references(() => models.id),
		params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
		priority: integer('priority').notNull().default(1),
		/** Replicas computed per chunk, by distinct volunteers; a quorum of them must agree. */
		replication: integer('replication').notNull().default(1),
		status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
		totalInputs: integer('total_inputs').notNull(),
		/** Chunks of inputs; each is computed by one or more replica tasks. */
		totalTasks: integer('total_tasks').notNull(),
		/**
		 * The hub chose the chunk size (its submitter named none), so it may re-chunk the job's untouched tail as
		 * measurements arrive (chunk-tuner.ts); a submitter's size is never changed. Stored, so any hub process,
		 * and one restarted, keeps tuning it.
		 */
		chunkSizeAuto: boolean('chunk_size_auto').notNull().default(false),
		error: text('error'),
		/** The API key that submitted it; null: the admin token. Only its owner (or the admin) reads or cancels it. */
		ownerKeyId: uuid('owner_key_id').references(() => apiKeys.id),
		/** Accepted results replaced after re-checks found them wrong (settle-checks.ts), and when the last one was. */
		corrections: integer('corrections').notNull().default(0),
		correctedAt: timestamp('corrected_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		startedAt: timestamp('started_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true })
	},
	(t) => [
		// A key's quota counts its jobs of the last day; job lists page by creation time per owner.
		index('jobs_owner_created_idx').on(t.ownerKeyId, t.createdAt),
		// The tuner's sweep reads the open jobs it may resize; few, whatever the history.
		index('jobs_tuned_idx')
			.on(t.createdAt)
			.where(sql`${t.chunkSizeAuto} and ${t.status} in ('queued', 'running')`),
		check('jobs_status_check', oneOf(t.status, JOB_STATUSES)),
		check('jobs_task_type_check', oneOf(t.taskType, TASK_TYPES))
	]
);

/**
 * One replica of a chunk of a job's inputs: the unit that is leased and computed. A chunk is
 * (job_id, seq); with replication n it has n replica rows (more when replicas disagree or a slow tail
 * is duplicated), leased to distinct volunteers. The job's type, model and priority are copied here
 * so a claim reads one table.
 */
export const tasks = pgTable(
	'tasks',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		jobId: uuid('job_id')
			.notNull()
			.references(() => jobs.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		replica: integer('replica').notNull().default(0),
		/** Index of this task's first input within the job. */
		firstInput: integer('first_input').notNull(),
		inputs: jsonb('inputs').$type<string[]>().notNull(),
		taskType: text('task_type', { enum: TASK_TYPES }).notNull(),
		/** The job's model, copied like its type. Models are never deleted (a job's model is immutable, model-queries.ts), so no ON DELETE. */
		modelId: text('model_id')
			.notNull()
			.references(() => models.id),
		priority: integer('priority').notNull(),
		state: text('state', { enum: TASK_STATES }).notNull().default('queued'),
		/**
		 * Homogeneous redundancy: once one replica of a chunk is leased, its siblings may only go to
		 * volunteers of the same backend class, because only results of one class are compared.
		 */
		backendClass: text('backend_class', { enum: BACKEND_CLASSES }),
		/** Adaptive replication chose to trust this replica's volunteer alone; its siblings were cancelled. */
		solo: boolean('solo').notNull().default(false),
		leaseToken: uuid('lease_token'),
		/**
		 * The session holding the lease (released when it disconnects) and its volunteer (bound to the result).
		 * No foreign key on the session: its row is deleted on disconnect and by the stale-session sweep while
		 * a lease it held lives on until it is released or expires (sessions.ts). The volunteer is a key:
		 * endLease clears it, so only a live lease names one, and a volunteer holding a lease cannot be deleted.
		 */
		leaseSession: text('lease_session'),
		leaseVolunteer: text('lease_volunteer').references(() => volunteers.id),
		/**
		 * The network of the session that last leased this replica (networkOf). Kept after the lease ends,
		 * like backend_class: a sibling leased or computed from one network bars that network from the
		 * chunk's other replicas, and live leases are counted per network (claim-rules.ts).
		 */
		network: text('network'),
		/**
		 * A re-check of a chunk already accepted on one volunteer's word, queued when that volunteer was
		 * caught lying (settle-checks.ts). Never job progress, and its job never waits for it.
		 */
		recheck: boolean('recheck').notNull().default(false),
		/**
		 * A known-answer check: a replica of a chunk already accepted by agreeing volunteers, leased like
		 * any other (spot-checks.ts), compared with that answer, never credited, never job progress.
		 * Never sent to the volunteer.
		 */
		spotCheck: boolean('spot_check').notNull().default(false),
		/** A replica only an established volunteer may take: newcomers agreed and must be confirmed (validate-chunk.ts). */
		needsEstablished: boolean('needs_established').notNull().default(false),
		leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
		/** When the current lease began: how long a task has been running, to spot a slow tail. */
		leasedAt: timestamp('leased_at', { withTimezone: true }),
		/** How many leases were granted; failures counts the ones that ended in an error or expiry. */
		attempts: integer('attempts').notNull().default(0),
		failures: integer('failures').notNull().default(0),
		lastError: text('last_error'),
		/** A failed task waits until then before it is leased again (back-off). */
		availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		/**
		 * Outputs of this replica's first inputs, computed by a volunteer that yielded before the end
		 * (checkpoint-task.ts): the next lease computes only the rest. Null: nothing kept.
		 */
		checkpoint: jsonb('checkpoint').$type<unknown[]>(),
		/** Every volunteer that contributed to the checkpoint: none of them may compute a sibling replica. */
		checkpointBy: jsonb('checkpoint_by').$type<string[]>(),
		/**
		 * Who computed which outputs of the checkpoint, in order (checkpoint-parts.ts): a result found
		 * invalid is blamed on each part's author, and credit is shared by the same parts.
		 */
		checkpointParts: jsonb('checkpoint_parts').$type<CheckpointPart[]>(),
		/**
		 * The volunteers whose attempts failed (lease-transitions.ts): `id` reported a failure or sent a
		 * rejected output, `~id` let a lease expire. A task is dead only when enough distinct volunteers
		 * failed it, and a volunteer is never leased again a task it failed.
		 */
		failedBy: text('failed_by')
			.array()
			.notNull()
			.default(sql`'{}'::text[]`),
		/**
		 * A queued replica held in one hub process's feeder (feeder.ts): its claims lease it from memory, and every
		 * other claim walks past it until `held_until`, so a crashed process's holds lapse by themselves.
		 */
		heldBy: text('held_by'),
		heldUntil: timestamp('held_until', { withTimezone: true }),
		/** The current lease's total lifetime ends here, whatever renewals say (lease-deadline.ts); expiry never passes it. */
		deadlineAt: timestamp('deadline_at', { withTimezone: true }),
		/** Inputs the current lease reported done (renew-lease.ts): a renewal extends the lease only when this grows. */
		progress: integer('progress').notNull().default(0),
		/** When `progress` last grew (or the lease began). */
		progressAt: timestamp('progress_at', { withTimezone: true })
	},
	(t) => [
		// The claim scans queued tasks in priority order; a partial index keeps it small.
		// Claims take the lowest seq across jobs first: round-robin between jobs of one priority.
		// NULLS FIRST matches the claim's ORDER BY priority DESC exactly, so the claim walks this index in order and
		// stops at its LIMIT; with NULLS LAST (drizzle's default for desc()) it sorted every queued task per claim.
		index('tasks_claimable_idx')
			.on(t.priority.desc().nullsFirst(), t.seq, t.id)
			.where(sql`${t.state} = 'queued'`),
		index('tasks_job_idx').on(t.jobId, t.seq),
		// "Does this job still have open work?" is asked after every result (finishJobs): answered from
		// this index at once, instead of scanning the job's done tasks to find an open one.
		index('tasks_open_idx')
			.on(t.jobId)
			.where(sql`${t.state} in ('queued', 'leased')`),
		index('tasks_leased_idx')
			.on(t.leaseExpiresAt)
			.where(sql`${t.state} = 'leased'`),
		index('tasks_lease_session_idx')
			.on(t.leaseSession)
			.where(sql`${t.state} = 'leased'`),
		// The claim counts one volunteer's live leases across all its sessions (EXOSTACK_LEASES_PER_VOLUNTEER).
		index('tasks_lease_volunteer_idx')
			.on(t.leaseVolunteer)
			.where(sql`${t.state} = 'leased'`),
		// The per-network lease cap counts a network's live leases at every claim.
		index('tasks_lease_network_idx')
			.on(t.network)
			.where(sql`${t.state} = 'leased'`),
		check('tasks_state_check', oneOf(t.state, TASK_STATES)),
		check('tasks_task_type_check', oneOf(t.taskType, TASK_TYPES)),
		check('tasks_backend_class_check', oneOf(t.backendClass, BACKEND_CLASSES))
	]
);

/** A replica's output, written once under the replica's lease token, then judged by the validator. */
export const results = pgTable(
	'results',
	{
		taskId: bigint('task_id', { mode: 'number' })
			.primaryKey()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		/** Its task's job: gone with the job, as the task is (results_chunk_idx serves the cascade). */
		jobId: uuid('job_id')
			.notNull()
			.references(() => jobs.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		/** Who computed it. No ON DELETE: a volunteer whose results stand in quorums and job outputs is never deleted. */
		volunteerId: text('volunteer_id')
			.notNull()
			.references(() => volunteers.id),
		output: jsonb('output').$type<unknown[]>().notNull(),
		backend: text('backend', { enum: BACKENDS }).notNull(),
		/** resultClassOf: the backend class and the model variant, `wasm/fp32`; the variant is the model's, not a fixed set. */
		backendClass: text('backend_class').notNull(),
		durationMs: real('duration_ms').notNull(),
		verdict: text('verdict', { enum: VERDICTS }).notNull().default('pending'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('results_chunk_idx').on(t.jobId, t.seq),
		// By time: the dashboard's cluster throughput chart sums the last minutes of results.
		index('results_created_idx').on(t.createdAt),
		check('results_verdict_check', oneOf(t.verdict, VERDICTS)),
		check('results_backend_check', oneOf(t.backend, BACKENDS))
	]
);

/** The one accepted result of each chunk: the primary key makes a second acceptance impossible. */
export const acceptedResults = pgTable(
	'accepted_results',
	{
		jobId: uuid('job_id')
			.notNull()
			.references(() => jobs.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		taskId: bigint('task_id', { mode: 'number' })
			.notNull()
			.references(() => results.taskId, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		primaryKey({ columns: [t.jobId, t.seq] }),
		// A known-answer check draws from the most recent accepted chunks (spot-checks.ts): read from the end
		// of this index, not by sorting every accepted chunk of all time.
		index('accepted_results_created_idx').on(t.createdAt)
	]
);
