import { sql } from 'drizzle-orm';
import {
	boolean,
	check,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgTable,
	type AnyPgColumn,
	real,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import type { Capabilities, Readiness } from '../../../protocol/volunteer';
import { oneOf, VOLUNTEER_MODES } from './states';

/** A team volunteers may join by name; the leaderboard ranks teams by their members' credit. */
export const teams = pgTable(
	'teams',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		name: text('name').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		/** The volunteer who founded it (named on its page); null for teams older than this column or a founder since deleted. */
		creatorId: text('creator_id').references((): AnyPgColumn => volunteers.id, { onDelete: 'set null' })
	},
	// "Red Pandas" and "red pandas" are one team: joining by name must not split a team by its capitals.
	(t) => [uniqueIndex('teams_name_idx').on(sql`lower(${t.name})`)]
);

/** A volunteer identity (one per browser profile or headless agent). Outlives connections so credit stays bound to it. */
export const volunteers = pgTable(
	'volunteers',
	{
		id: text('id').primaryKey(),
		/** Chosen by the volunteer; the only thing about them the leaderboard shows. */
		displayName: text('display_name'),
		teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
		/** When it joined its current team: the team page lists members by seniority. */
		teamJoinedAt: timestamp('team_joined_at', { withTimezone: true }),
		tasksDone: integer('tasks_done').notNull().default(0),
		inputsDone: integer('inputs_done').notNull().default(0),
		/** The validator's record of this volunteer: adaptive replication trusts a long run of valid results. */
		validResults: integer('valid_results').notNull().default(0),
		invalidResults: integer('invalid_results').notNull().default(0),
		consecutiveValid: integer('consecutive_valid').notNull().default(0),
		/** Sum of this volunteer's credit ledger, kept beside it for the leaderboard. */
		credit: doublePrecision('credit').notNull().default(0),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow()
	},
	// A team's page and ranking read its members by team.
	(t) => [index('volunteers_team_idx').on(t.teamId)]
);

/**
 * One live connection of a volunteer (a tab, an agent process). Leases are bound to a session so that
 * closing one tab releases only that tab's work. Rows are deleted on disconnect; a hub that dies leaves
 * rows whose heartbeat goes stale, and every reader ignores those.
 */
export const volunteerSessions = pgTable(
	'volunteer_sessions',
	{
		id: text('id').primaryKey(),
		volunteerId: text('volunteer_id')
			.notNull()
			.references(() => volunteers.id, { onDelete: 'cascade' }),
		hubId: text('hub_id').notNull(),
		capabilities: jsonb('capabilities').$type<Capabilities>().notNull(),
		mode: text('mode', { enum: VOLUNTEER_MODES }).notNull(),
		readiness: jsonb('readiness').$type<Readiness>().notNull(),
		/** Inputs per second over this session's recent tasks. */
		throughput: real('throughput'),
		tasksDone: integer('tasks_done').notNull().default(0),
		/** The hub's own verdict on the reported readiness (lease-gate.ts): whether it leases to this session. */
		readyForAi: boolean('ready_for_ai').notNull().default(false),
		/** The network its connection came from (networkOf): replicas of a chunk go to distinct networks, and leases are capped per network. */
		network: text('network').notNull().default(''),
		connectedAt: timestamp('connected_at', { withTimezone: true }).notNull().defaultNow(),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('volunteer_sessions_volunteer_idx').on(t.volunteerId),
		check('volunteer_sessions_mode_check', oneOf(t.mode, VOLUNTEER_MODES))
	]
);

/** Secrets every hub process must share (the identity signing key), created once by whichever starts first. */
export const hubSecrets = pgTable('hub_secrets', {
	name: text('name').primaryKey(),
	value: text('value').notNull()
});
