import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Fixed-window counters shared by every hub process (auth/identity-issuance.ts): one row per key and
 * window, bumped by one upsert, so two processes behind a load balancer ration the same network together.
 * Rows of past windows are deleted as new ones are counted.
 */
export const rateWindows = pgTable(
	'rate_windows',
	{
		key: text('key').notNull(),
		windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
		count: integer('count').notNull()
	},
	(t) => [primaryKey({ columns: [t.key, t.windowStart] })]
);
