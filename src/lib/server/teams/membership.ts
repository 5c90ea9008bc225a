import { and, eq, notExists, sql } from 'drizzle-orm';
import { teams, volunteers } from '../db/schema';
import type { Db } from '../db';

export type Moved = { ok: true; team: { id: string; name: string } | null } | { ok: false; missing: 'volunteer' | 'team' };

/**
 * Puts a volunteer in a team (null: in none), the one way membership changes: the join link and the
 * profile form both come here. Joining the team it is already in changes nothing (its seniority
 * stays). The team it leaves is deleted when that leaves it empty: so teams are bounded by volunteers
 * (whose identities are rationed per network), and one identity founding name after name leaves no
 * litter. A join racing that delete may find itself in no team (the foreign key sets it null); it
 * joins again.
 */
export async function moveToTeam(tx: Db, volunteerId: string, teamId: string | null): Promise<Moved> {
	const [me] = await tx.select({ teamId: volunteers.teamId }).from(volunteers).where(eq(volunteers.id, volunteerId)).for('update');
	if (!me) return { ok: false, missing: 'volunteer' };
	let team: { id: string; name: string } | null = null;
	if (teamId) {
		// KEY SHARE: the team cannot be deleted (emptied by its last member leaving) until this join commits.
		[team] = await tx.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.id, teamId)).for('key share');
		if (!team) return { ok: false, missing: 'team' };
	}
	if (me.teamId === teamId) return { ok: true, team };
	await tx
		.update(volunteers)
		.set({ teamId, teamJoinedAt: teamId ? sql`now()` : null })
		.where(eq(volunteers.id, volunteerId));
	if (me.teamId) await deleteIfEmpty(tx, me.teamId);
	return { ok: true, team };
}

async function deleteIfEmpty(tx: Db, teamId: string) {
	await tx.delete(teams).where(
		and(
			eq(teams.id, teamId),
			notExists(
				tx
					.select({ one: sql`1` })
					.from(volunteers)
					.where(eq(volunteers.teamId, teamId))
			)
		)
	);
}

/**
 * The team called `name` (any capitals), founded by `founder` if there is none yet. Two volunteers
 * founding one team at once: the unique index on lower(name) lets one insert win, and both read it.
 */
export async function teamNamed(tx: Db, name: string, founder: string): Promise<string> {
	await tx.insert(teams).values({ name, creatorId: founder }).onConflictDoNothing();
	const [team] = await tx
		.select({ id: teams.id })
		.from(teams)
		.where(sql`lower(${teams.name}) = lower(${name})`);
	return team.id;
}
