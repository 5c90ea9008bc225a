import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { AUDIT_ACTIONS, oneOf } from './states';

/**
 * A submitter's API key. Only the sha256 of the key is kept: the key itself is shown once, when the
 * admin mints it. The prefix (the key's first characters) names it in lists and logs without revealing it.
 */
export const apiKeys = pgTable(
	'api_keys',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		name: text('name').notNull(),
		prefix: text('prefix').notNull(),
		/** Hex sha256 of the whole key: what a request's bearer is hashed and looked up by. */
		keyHash: text('key_hash').notNull().unique(),
		/** Per-key quotas over a rolling day; null: the hub's defaults (EXOSTACK_KEY_JOBS_PER_DAY / _INPUTS_PER_DAY). */
		jobsPerDay: integer('jobs_per_day'),
		inputsPerDay: integer('inputs_per_day'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		/** Set once; a revoked key is refused but kept, so its jobs keep their owner and the audit log its target. */
		revokedAt: timestamp('revoked_at', { withTimezone: true })
	},
	(t) => [
		check('api_keys_jobs_per_day_check', sql`${t.jobsPerDay} is null or ${t.jobsPerDay} >= 0`),
		check('api_keys_inputs_per_day_check', sql`${t.inputsPerDay} is null or ${t.inputsPerDay} >= 0`)
	]
);

/** What the admin did: kept for the operator, readable with the admin token (GET /api/audit). Never holds a secret. */
export const auditLog = pgTable(
	'audit_log',
	{
		id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		/** `admin`, or the id of the API key that acted. */
		actor: text('actor').notNull(),
		action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
		/** What it acted on: a key id, a model id, a job id. */
		target: text('target'),
		detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
		clientAddress: text('client_address')
	},
	(t) => [index('audit_log_at_idx').on(t.at), check('audit_log_action_check', oneOf(t.action, AUDIT_ACTIONS))]
);
