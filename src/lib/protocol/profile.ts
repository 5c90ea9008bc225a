/**
 * What a volunteer may choose to be called: a display name, and a team to join. These are the only
 * things about a volunteer the leaderboard shows, so they are checked strictly: letters, digits,
 * spaces and a little punctuation, never markup.
 */
import { z } from 'zod';
import { UUID } from './ids';

export const DISPLAY_NAME_MAX = 32;
export const TEAM_NAME_MAX = 40;

/** Starts with a letter or digit; then letters, digits, spaces, `. _ ' -`. No `<`, `&`, quotes or control characters. */
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}\p{M} ._'-]*$/u;

function name(label: string, max: number) {
	return z
		.string()
		.transform((s) => s.normalize('NFC').trim().replace(/\s+/g, ' '))
		.pipe(
			z
				.string()
				.min(2, `${label} must be at least 2 characters`)
				.max(max, `${label} must be at most ${max} characters`)
				.regex(NAME_PATTERN, `${label} may hold letters, digits, spaces and . _ ' - only`)
		);
}

export const DisplayName = name('display name', DISPLAY_NAME_MAX);
export const TeamName = name('team name', TEAM_NAME_MAX);

/** `POST /api/volunteers/profile`: the volunteer proves who it is with the identity the hub signed. */
export const ProfileUpdate = z.strictObject({
	identity: z.string().min(3).max(200),
	display_name: DisplayName,
	/** A team to join by name (created on first use); null or empty leaves any team. */
	team: z.union([TeamName, z.literal(''), z.null()]).default(null)
});
export type ProfileUpdate = z.infer<typeof ProfileUpdate>;

/** `POST /api/volunteers/team`: join a team by its id (the join link), or leave any team (null). */
export const TeamMembershipUpdate = z.strictObject({
	identity: z.string().min(3).max(200),
	team_id: z.string().regex(UUID, 'team_id must be a team’s id').nullable()
});
export type TeamMembershipUpdate = z.infer<typeof TeamMembershipUpdate>;

/** The answer to a membership change: the team the volunteer is now in, if any. */
export const TeamMembershipView = z.object({ volunteer_id: z.string(), team_id: z.string().nullable(), team: z.string().nullable() });
export type TeamMembershipView = z.infer<typeof TeamMembershipView>;
