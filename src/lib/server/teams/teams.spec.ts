import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { creditLedger, teams, volunteers } from '../db/schema';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import type { Database, Db } from '../db';
import { setProfile } from '../volunteers/profile';
import { teamCreditHistory } from '../volunteers/credit-queries';
import { moveToTeam } from './membership';
import { teamMembers, teamRank, teamRecord } from './team-queries';

describe.each(TEST_DB_KINDS)('teams on %s', (kind) => {
	let database: Database;
	let db: Db;
	// Credit alone, as a row whose job was since deleted keeps it: the ledger's keys take only real jobs and tasks, and these reads need neither.
	const grant = (volunteerId: string, amount: number, at = new Date()) =>
		db.insert(creditLedger).values({ volunteerId, jobId: null, taskId: null, amount, createdAt: at });
	const teamOf = async (id: string) =>
		(await db.select({ t: volunteers.teamId, at: volunteers.teamJoinedAt }).from(volunteers).where(eq(volunteers.id, id)))[0];
	const teamCount = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(teams))[0].n;

	beforeAll(async () => {
		database = await openTestDatabase(kind);
		db = database.db;
	});
	afterAll(() => database?.close());
	beforeEach(async () => {
		await db.execute(sql`truncate credit_ledger, volunteers, teams cascade`);
		await db.insert(volunteers).values([
			{ id: 'ada', displayName: 'Ada', credit: 300 },
			{ id: 'bob', displayName: 'Bob', credit: 50 },
			{ id: 'shy', credit: 70 },
			{ id: 'eve', displayName: 'Eve', credit: 1000 }
		]);
	});

	it('founds a team by name, records its founder, and joins others to it by id with their own seniority', async () => {
		const founded = await setProfile(db, 'ada', { displayName: 'Ada', team: 'Red Pandas' });
		const [red] = await db.select().from(teams);
		expect(founded).toEqual({ team: 'Red Pandas', teamId: red.id });
		expect(red.creatorId).toBe('ada');
		const adaJoined = (await teamOf('ada')).at!;
		expect(await moveToTeam(db, 'bob', red.id)).toEqual({ ok: true, team: { id: red.id, name: 'Red Pandas' } });
		await moveToTeam(db, 'shy', red.id);
		// Saving the profile with the same team (any capitals) keeps the join time.
		await setProfile(db, 'ada', { displayName: 'Ada L', team: 'red pandas' });
		expect((await teamOf('ada')).at).toEqual(adaJoined);
		expect(await teamRecord(db, red.id)).toMatchObject({
			name: 'Red Pandas',
			founderId: 'ada',
			founderName: 'Ada L',
			members: 3,
			credit: 420
		});
	});

	it('names only members who chose a display name; the others are a count and a sum', async () => {
		await setProfile(db, 'ada', { displayName: 'Ada', team: 'Owls' });
		const [owls] = await db.select().from(teams);
		for (const id of ['bob', 'shy']) await moveToTeam(db, id, owls.id);
		const members = await teamMembers(db, owls.id, 10);
		expect(members.named.map((m) => [m.id, m.name, m.credit])).toEqual([
			['ada', 'Ada', 300],
			['bob', 'Bob', 50]
		]);
		expect(members.others).toEqual({ count: 1, credit: 70 });
		expect((await teamMembers(db, owls.id, 1)).named).toHaveLength(1);
	});

	it('refuses a missing team or volunteer and changes nothing', async () => {
		expect(await moveToTeam(db, 'bob', randomUUID())).toEqual({ ok: false, missing: 'team' });
		expect(await moveToTeam(db, 'nobody', null)).toEqual({ ok: false, missing: 'volunteer' });
		expect((await teamOf('bob')).t).toBeNull();
	});

	it('deletes a team its last member leaves, so founding name after name leaves one team at most', async () => {
		for (let i = 0; i < 5; i++) await setProfile(db, 'bob', { displayName: 'Bob', team: `Spam ${i}` });
		expect(await teamCount()).toBe(1);
		const [last] = await db.select().from(teams);
		await moveToTeam(db, 'ada', last.id);
		await setProfile(db, 'bob', { displayName: 'Bob', team: null });
		expect(await teamCount()).toBe(1);
		await moveToTeam(db, 'ada', null);
		expect(await teamCount()).toBe(0);
		expect(await teamRecord(db, last.id)).toBeNull();
	});

	// Founding a team key-share-locks its creator's row; two saves each holding that and waiting to lock the row deadlocked (the fuzz test found it).
	it('takes many profile saves of one volunteer at once, each founding its own team, without a deadlock', async () => {
		const saved = await Promise.all(
			Array.from({ length: 8 }, (_, i) => setProfile(db, 'ada', { displayName: `Ada ${i}`, team: `Team ${i}` }))
		);
		expect(saved.every((s) => s?.teamId)).toBe(true);
		// The last save to commit decides; every team it left behind was emptied and deleted.
		expect(await teamCount()).toBe(1);
	});

	it('ranks teams by members’ all-time credit, and draws a team’s credit per day', async () => {
		await setProfile(db, 'ada', { displayName: 'Ada', team: 'Alpha' });
		await setProfile(db, 'bob', { displayName: 'Bob', team: 'Beta' });
		await setProfile(db, 'eve', { displayName: 'Eve', team: 'Beta' });
		const [alpha] = await db.select().from(teams).where(eq(teams.name, 'Alpha'));
		const [beta] = await db.select().from(teams).where(eq(teams.name, 'Beta'));
		expect([await teamRank(db, beta.id), await teamRank(db, alpha.id), await teamRank(db, randomUUID())]).toEqual([1, 2, null]);
		await grant('bob', 5, new Date(Date.now() - 40 * 86_400_000));
		await grant('bob', 2);
		await grant('eve', 3);
		await grant('ada', 100);
		const history = await teamCreditHistory(db, beta.id, 7);
		expect(history).toHaveLength(7);
		expect(history.at(-1)!.slice(1)).toEqual([5, 10]);
		expect(history[0][2]).toBe(5);
	});
});
