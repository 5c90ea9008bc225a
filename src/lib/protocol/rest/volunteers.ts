/** The volunteers' and the leaderboard's answers (`/api/volunteers*`, `/api/leaderboard`). */
import { z } from 'zod';
import { CREDIT_WINDOWS } from '../dashboard';
import { Timestamp } from './common';

const Achievements = z.object({ credit: z.number(), results: z.number().int(), streak: z.number().int() });

/** One entry of `GET /api/volunteers`: ranked by validated credit in the window. */
export const RankedVolunteerRow = z.object({
	rank: z.number().int(),
	volunteer_id: z.string(),
	display_name: z.string().nullable(),
	team: z.string().nullable(),
	credit: z.number(),
	results: z.number().int()
});
export type RankedVolunteerRow = z.infer<typeof RankedVolunteerRow>;

/** `GET /api/volunteers/{id}`: one volunteer's credit and validation record. */
export const VolunteerRecordView = z.object({
	volunteer_id: z.string(),
	display_name: z.string().nullable(),
	team: z.string().nullable(),
	team_id: z.string().nullable(),
	rank: z.number().int().nullable(),
	achievements: Achievements.describe('what milestones are earned from; the streak is in UTC days'),
	credit: z.number(),
	tasks_done: z.number().int(),
	inputs_done: z.number().int(),
	valid_results: z.number().int(),
	invalid_results: z.number().int(),
	consecutive_valid: z.number().int(),
	created_at: Timestamp,
	last_seen_at: Timestamp
});
export type VolunteerRecordView = z.infer<typeof VolunteerRecordView>;

/** `GET /api/volunteers/{id}/history`: per day, oldest first, `[day start (epoch ms), credit that day, cumulative]`. */
export const CreditHistoryView = z.array(z.tuple([z.number(), z.number(), z.number()]));

/** `GET /api/leaderboard`: volunteers and teams ranked by validated credit, by display name only. */
export const LeaderboardView = z.object({
	window: z.enum(CREDIT_WINDOWS),
	volunteers: z.array(
		z.object({
			rank: z.number().int(),
			id: z.string(),
			name: z.string().nullable(),
			team: z.string().nullable(),
			teamId: z.string().nullable(),
			credit: z.number(),
			results: z.number().int(),
			achievements: Achievements
		})
	),
	teams: z.array(z.object({ rank: z.number().int(), id: z.string(), name: z.string(), members: z.number().int(), credit: z.number() })),
	version: z.string().describe('changes whenever credit is granted')
});

/** `POST /api/volunteers/profile`'s answer. */
export const ProfileView = z.object({
	volunteer_id: z.string(),
	display_name: z.string().nullable(),
	team: z.string().nullable(),
	team_id: z.string().nullable()
});
export type ProfileView = z.infer<typeof ProfileView>;
