import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { creditLedger, volunteers } from '../db/schema';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import type { Database, Db } from '../db';
import { STREAK_CAP_DAYS } from '../../recognition/milestones';
import { currentStreaks } from './streaks';
import { achievementsOf, allTimeRank, volunteerStanding } from './standing';

const DAY = 86_400_000;
/** Noon UTC on 10 January 2026: "today" for these tests. */
const NOW = Date.UTC(2026, 0, 10, 12);
const TODAY = Date.UTC(2026, 0, 10);
const day = (n: number, ms = 6 * 3_600_000) => new Date(TODAY - n * DAY + ms);

describe.each(TEST_DB_KINDS)('streaks, ranks and achievements on %s', (kind) => {
	let database: Database;
	let db: Db;
	// Credit alone, as a row whose job was since deleted keeps it: the ledger's keys take only real jobs and tasks, and these reads need neither.
	const grant = (volunteerId: string, at: Date, amount = 1) =>
		db.insert(creditLedger).values({ volunteerId, jobId: null, taskId: null, amount, createdAt: at });

	beforeAll(async () => {
		database = await openTestDatabase(kind);
		db = database.db;
	});
	afterAll(() => database?.close());
	beforeEach(async () => {
		await db.execute(sql`truncate credit_ledger, volunteers, teams cascade`);
		await db.insert(volunteers).values([
			{ id: 'a', credit: 500, validResults: 12 },
			{ id: 'b', credit: 500, validResults: 3 },
			{ id: 'c', credit: 2000 },
			{ id: 'd', credit: 0 },
			{ id: 'e', credit: 10 },
			{ id: 'f', credit: 1 }
		]);
	});

	it('counts consecutive UTC days with credit, ending today or yesterday', async () => {
		// a: today, yesterday and the day before, several results a day.
		for (const n of [0, 0, 1, 2, 2, 2]) await grant('a', day(n));
		// b: not yet today; yesterday back to 3 days ago, then a gap.
		for (const n of [1, 2, 3, 5, 6]) await grant('b', day(n));
		// c: its last result was two days ago: the streak is over.
		await grant('c', day(2));
		// d: the edges of a UTC day: the first millisecond of today and the last of yesterday.
		await grant('d', day(0, 0));
		await grant('d', day(1, DAY - 1));
		// f: the last millisecond of the day before yesterday only.
		await grant('f', day(2, DAY - 1));
		const streaks = await currentStreaks(db, ['a', 'b', 'c', 'd', 'e', 'f'], NOW);
		expect(Object.fromEntries(streaks)).toEqual({ a: 3, b: 3, d: 2 });
	});

	it('stops counting at the cap', async () => {
		for (let n = 0; n < STREAK_CAP_DAYS + 5; n++) await grant('e', day(n));
		expect((await currentStreaks(db, ['e'], NOW)).get('e')).toBe(STREAK_CAP_DAYS);
		expect((await currentStreaks(db, ['e'], NOW, 7)).get('e')).toBe(7);
	});

	it('ranks by all-time credit with the leaderboard’s tie order, and leaves out volunteers without credit', async () => {
		expect(await allTimeRank(db, 'c', 2000)).toBe(1);
		expect(await allTimeRank(db, 'a', 500)).toBe(2);
		expect(await allTimeRank(db, 'b', 500)).toBe(3);
		expect(await allTimeRank(db, 'f', 1)).toBe(5);
		expect(await allTimeRank(db, 'd', 0)).toBeNull();
	});

	it('gathers a volunteer’s standing, and many volunteers’ achievements', async () => {
		await grant('a', day(0));
		await grant('a', day(1));
		await grant('a', day(2));
		expect(await volunteerStanding(db, 'a', NOW)).toEqual({ achievements: { credit: 500, results: 12, streak: 3 }, rank: 2 });
		expect(await volunteerStanding(db, 'nobody', NOW)).toBeNull();
		// Against the real clock: a result an hour ago is a streak of one, wherever in the day the test runs.
		await grant('b', new Date(Date.now() - 3_600_000));
		const all = await achievementsOf(db, ['b', 'c', 'nobody']);
		expect(Object.fromEntries(all)).toEqual({
			b: { credit: 500, results: 3, streak: 1 },
			c: { credit: 2000, results: 0, streak: 0 }
		});
	});
});
