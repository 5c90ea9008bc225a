import { eq } from 'drizzle-orm';
import { volunteers } from '../db/schema';
import type { Db } from '../db';
import { moveToTeam, teamNamed } from '../teams/membership';

/**
 * Sets a volunteer's display name and team (joined by name, founded on first use; null leaves any
 * team). Returns the team's name as stored (its founder's capitals) and id, or undefined when there is no
 * such volunteer, and then changes nothing.
 */
export async function setProfile(
	db: Db,
	volunteerId: string,
	profile: { displayName: string; team: string | null }
): Promise<{ team: string | null; teamId: string | null } | undefined> {
	return db.transaction(async (tx) => {
		// The volunteer's row is locked first: founding a team takes a key-share lock on it (teams.creator_id), and
		// two of its profile saves each holding that while waiting for the other's to lock the row deadlocked.
		const [exists] = await tx.select({ id: volunteers.id }).from(volunteers).where(eq(volunteers.id, volunteerId)).for('update');
		if (!exists) return undefined;
		// A team emptied and deleted between finding it by name and joining it is founded again: twice is plenty.
		let moved = await moveToTeam(tx, volunteerId, profile.team ? await teamNamed(tx, profile.team, volunteerId) : null);
		if (!moved.ok && profile.team) moved = await moveToTeam(tx, volunteerId, await teamNamed(tx, profile.team, volunteerId));
		if (!moved.ok) throw new Error(`could not join team "${profile.team}"`);
		await tx.update(volunteers).set({ displayName: profile.displayName }).where(eq(volunteers.id, volunteerId));
		return { team: moved.team?.name ?? null, teamId: moved.team?.id ?? null };
	});
}
