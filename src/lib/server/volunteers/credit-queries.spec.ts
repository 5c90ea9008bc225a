import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { creditLedger, teams, volunteers } from '../db/schema';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import type { Database, Db } from '../db';
import { creditHistory, creditRanking, ledgerVersion, teamRanking, volunteerRecord } from './credit-queries';
import { setProfile } from './profile';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

describe.each(TEST_DB_KINDS)('leaderboard queries and profiles on %s', (kind) => {
	let database: Database;
	let db: Db;
	// Credit alone, as a row whose job was since deleted keeps it: the ledger's keys take only real jobs and tasks, and these reads need neither.
	const grant = (volunteerId: string, amount: number, at: Date) =>
		db.insert(creditLedger).values({ volunteerId, jobId: null, taskId: null, amount, createdAt: at });

	beforeAll(async () => {
		database = await openTestDatabase(kind);
		db = database.db;
	});
	afterAll(() => database?.close());
	beforeEach(async () => {
		await db.execute(sql`truncate credit_ledger, volunteers, teams cascade`);
		await db.insert(volunteers).values(['a', 'b', 'c', 'd'].map((id) => ({ id })));
		// a: mostly old credit; b: recent; c: within the week; d: none at all.
		await grant('a', 100, ago(30 * 24 * HOUR));
		await grant('a', 1, ago(HOUR));
		await grant('b', 10, ago(HOUR));
		await grant('b', 5, ago(2 * HOUR));
		await grant('c', 20, ago(3 * 24 * HOUR));
	});

	it('ranks volunteers by credit within 24 h, 7 d and all time', async () => {
		const rank = async (since?: Date) => (await creditRanking(db, 10, since)).map((r) => [r.id, r.credit, r.results]);
		expect(await rank(ago(24 * HOUR))).toEqual([
			['b', 15, 2],
			['a', 1, 1]
		]);
		expect(await rank(ago(7 * 24 * HOUR))).toEqual([
			['c', 20, 1],
			['b', 15, 2],
			['a', 1, 1]
		]);
		expect(await rank()).toEqual([
			['a', 101, 2],
			['c', 20, 1],
			['b', 15, 2]
		]);
		expect(await creditRanking(db, 1)).toHaveLength(1);
	});

	it('sets a display name and joins teams by name whatever their capitals, and ranks teams', async () => {
		const founded = await setProfile(db, 'a', { displayName: 'Ada', team: 'Red Pandas' });
		expect(founded).toEqual({ team: 'Red Pandas', teamId: expect.any(String) });
		expect(await setProfile(db, 'b', { displayName: 'Bo', team: 'red pandas' })).toEqual({ team: 'Red Pandas', teamId: founded!.teamId });
		await setProfile(db, 'c', { displayName: 'Cy', team: 'Owls' });
		expect(await db.select().from(teams)).toHaveLength(2);
		const ranked = await creditRanking(db, 10);
		expect(ranked.map((r) => [r.displayName, r.team])).toEqual([
			['Ada', 'Red Pandas'],
			['Cy', 'Owls'],
			['Bo', 'Red Pandas']
		]);
		expect((await teamRanking(db, 10)).map((t) => [t.name, t.members, t.credit])).toEqual([
			['Red Pandas', 2, 116],
			['Owls', 1, 20]
		]);
		expect((await teamRanking(db, 10, ago(24 * HOUR))).map((t) => [t.name, t.credit])).toEqual([['Red Pandas', 16]]);

		// Leaving a team: the volunteer's credit no longer counts for it.
		await setProfile(db, 'b', { displayName: 'Bo', team: null });
		expect((await teamRanking(db, 10)).map((t) => [t.name, t.members, t.credit])).toEqual([
			['Red Pandas', 1, 101],
			['Owls', 1, 20]
		]);
		expect((await volunteerRecord(db, 'a'))?.team).toBe('Red Pandas');
	});

	it('changes nothing for a volunteer that does not exist', async () => {
		expect(await setProfile(db, 'nobody', { displayName: 'Ghost', team: 'Spooks' })).toBeUndefined();
		expect(await db.select().from(teams)).toHaveLength(0);
	});

	it('gives a daily credit history with a running total that includes older credit', async () => {
		const history = await creditHistory(db, 'a', 7);
		expect(history).toHaveLength(7);
		expect(history.at(-1)).toEqual([expect.any(Number), expect.any(Number), 101]);
		expect(history[0][2]).toBeGreaterThanOrEqual(100);
		expect(history.reduce((n, [, c]) => n + c, 0)).toBe(1);
		expect(history[1][0] - history[0][0]).toBe(24 * HOUR);
	});

	it('moves the ledger version when credit is granted', async () => {
		const before = await ledgerVersion(db);
		await grant('d', 3, new Date());
		const after = await ledgerVersion(db);
		expect(after).not.toBe(before);
		// A grant that took a lower id but committed later (here: an id below the newest, as a slower
		// transaction's would be) still changes it.
		const [old] = await db
			.select({ id: creditLedger.id })
			.from(creditLedger)
			.where(sql`${creditLedger.volunteerId} = 'c'`);
		await db.execute(sql`delete from credit_ledger where id = ${old.id}`);
		expect(await ledgerVersion(db)).toBe(after);
		await db.execute(
			sql`insert into credit_ledger (id, volunteer_id, job_id, task_id, amount) overriding system value values (${old.id}, 'd', null, null, 1)`
		);
		expect(await ledgerVersion(db)).not.toBe(after);
	});
});
