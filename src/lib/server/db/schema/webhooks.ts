import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { apiKeys } from './submitters';
import { jobs } from './jobs';
import { allOf, oneOf, WEBHOOK_EVENTS } from './states';

/**
 * Where a submitter wants to hear about its jobs (webhooks/). `key_id` null: the admin's own webhook,
 * told about jobs the admin token submitted. The secret is kept whole because every delivery is signed
 * with it (Standard Webhooks' HMAC needs the key itself, a hash would not do).
 */
export const webhooks = pgTable(
	'webhooks',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		keyId: uuid('key_id').references(() => apiKeys.id),
		url: text('url').notNull(),
		/** `whsec_` + base64 of 32 random bytes, as standardwebhooks reads it. */
		secret: text('secret').notNull(),
		events: text('events', { enum: WEBHOOK_EVENTS }).array().notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		/** Set by DELETE: kept so its pending deliveries stop and the audit log's target still names a row. */
		disabledAt: timestamp('disabled_at', { withTimezone: true })
	},
	(t) => [index('webhooks_key_idx').on(t.keyId), check('webhooks_events_check', allOf(t.events, WEBHOOK_EVENTS))]
);

/**
 * One event for one webhook, delivered at least once: the row is written in the same transaction as the
 * job's final state, and only a 2xx answer sets `delivered_at`, so a crash at any point leaves it due.
 * Its id is the Standard Webhooks `webhook-id`, the same on every retry, so receivers can drop repeats.
 */
export const webhookDeliveries = pgTable(
	'webhook_deliveries',
	{
		id: text('id').primaryKey(),
		webhookId: uuid('webhook_id')
			.notNull()
			.references(() => webhooks.id),
		event: text('event', { enum: WEBHOOK_EVENTS }).notNull(),
		payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
		attempts: integer('attempts').notNull().default(0),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
		deliveredAt: timestamp('delivered_at', { withTimezone: true }),
		/** Set when it is given up on (24 h of failures, or its webhook deleted): never tried again. */
		failedAt: timestamp('failed_at', { withTimezone: true }),
		lastError: text('last_error')
	},
	(t) => [
		// The worker's claim reads only what is still due.
		index('webhook_deliveries_due_idx')
			.on(t.nextAttemptAt)
			.where(sql`${t.deliveredAt} is null and ${t.failedAt} is null`),
		check('webhook_deliveries_attempts_check', sql`${t.attempts} >= 0`),
		check('webhook_deliveries_event_check', oneOf(t.event, WEBHOOK_EVENTS))
	]
);

/**
 * A job-creating request's Idempotency-Key (http/idempotency.ts): a retry with the same key and body gets
 * the first job back. `principal` is the key id or `admin`; rows older than 24 h no longer count.
 */
export const idempotencyKeys = pgTable(
	'idempotency_keys',
	{
		principal: text('principal').notNull(),
		key: text('key').notNull(),
		/** Hex sha256 of the request body: the same key with another body is refused (422). */
		bodySha256: text('body_sha256').notNull(),
		jobId: uuid('job_id')
			.notNull()
			.references(() => jobs.id, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.principal, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)]
);
