import { eq, sql } from 'drizzle-orm';
import { teams, volunteers } from '../db/schema';
import type { Db } from '../db';

/**
 * Sets a volunteer's display name and team (joined by name, created on first use; null leaves any
 * team). Returns the team's name as stored (its first founder's capitals), or undefined when there
 * is no such volunteer, and then changes nothing.
 */
export async function setProfile(
	db: Db,
	volunteerId: string,
	profile: { displayName: string; team: string | null }
): Promise<{ team: string | null } | undefined> {
	return db.transaction(async (tx) => {
		const [exists] = await tx.select({ id: volunteers.id }).from(volunteers).where(eq(volunteers.id, volunteerId));
		if (!exists) return undefined;
		let team: { id: string; name: string } | null = null;
		if (profile.team) {
			// Two volunteers founding one team at once: the unique index lets one insert win, both then read it.
			await tx.insert(teams).values({ name: profile.team }).onConflictDoNothing();
			[team] = await tx
				.select({ id: teams.id, name: teams.name })
				.from(teams)
				.where(sql`lower(${teams.name}) = lower(${profile.team})`);
		}
		await tx
			.update(volunteers)
			.set({ displayName: profile.displayName, teamId: team?.id ?? null })
			.where(eq(volunteers.id, volunteerId));
		return { team: team?.name ?? null };
	});
}
