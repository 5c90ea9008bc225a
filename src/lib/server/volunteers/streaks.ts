import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { STREAK_CAP_DAYS } from '../../recognition/milestones';

const DAY_MS = 86_400_000;

/** Midnight UTC of the day `now` falls in. */
export function utcDayStart(now = Date.now()): Date {
	return new Date(Math.floor(now / DAY_MS) * DAY_MS);
}

/**
 * Each volunteer's current streak: consecutive UTC days with at least one credited (accepted) result,
 * ending today or yesterday, counted back at most `cap` days. Volunteers with none are absent.
 *
 * Derived from the credit ledger, not stored: it walks back a day at a time (a recursive CTE), and
 * each step is one probe of the (volunteer_id, created_at) index for "any row that day". So the cost
 * is one probe per streak day per volunteer, whatever the number of results in a day, and nothing is
 * written on the hot path that grants credit. Days are stepped by 24 hours, not `interval '1 day'`,
 * which follows the session's time zone across a daylight-saving change.
 */
export async function currentStreaks(
	db: Db,
	volunteerIds: string[],
	now = Date.now(),
	cap = STREAK_CAP_DAYS
): Promise<Map<string, number>> {
	if (volunteerIds.length === 0) return new Map();
	const today = utcDayStart(now).toISOString();
	const ids = sql.join(
		volunteerIds.map((id) => sql`(${id}::text)`),
		sql`, `
	);
	const activeOn = (id: SQL, day: SQL) =>
		sql`exists (select 1 from credit_ledger l where l.volunteer_id = ${id} and l.created_at >= ${day} and l.created_at < ${day} + interval '24 hours')`;
	const rows = rowsOf<{ id: string; days: number }>(
		await db.execute(sql`
			with recursive ids(id) as (values ${ids}),
			walk(id, day, n) as (
				select ids.id, s.day, 1 from ids cross join lateral (
					select d.day from (values (${today}::timestamptz), (${today}::timestamptz - interval '24 hours')) d(day)
					where ${activeOn(sql.raw('ids.id'), sql.raw('d.day'))}
					order by d.day desc limit 1
				) s
				union all
				select w.id, w.day - interval '24 hours', w.n + 1 from walk w
				where w.n < ${cap} and ${activeOn(sql.raw('w.id'), sql.raw("(w.day - interval '24 hours')"))}
			)
			select id, max(n)::int as days from walk group by id`)
	);
	return new Map(rows.map((r) => [r.id, Number(r.days)]));
}

const FRESH_MS = 60_000;
/** Per database, so two hubs in one process (tests) never read each other's streaks. */
const memos = new WeakMap<Db, Map<string, { days: number; at: number }>>();

/**
 * currentStreaks, remembered for a minute per volunteer in this process: the leaderboard is rebuilt
 * whenever credit moves (several times a second on a busy hub), and a streak changes once a day.
 */
export async function recentStreaks(db: Db, volunteerIds: string[], now = Date.now()): Promise<Map<string, number>> {
	const memo = memos.get(db) ?? new Map<string, { days: number; at: number }>();
	memos.set(db, memo);
	const stale = volunteerIds.filter((id) => (memo.get(id)?.at ?? -Infinity) < now - FRESH_MS);
	if (stale.length > 0) {
		const fresh = await currentStreaks(db, stale, now);
		for (const id of stale) memo.set(id, { days: fresh.get(id) ?? 0, at: now });
		// Bounded: entries older than their freshness are dropped once there are many.
		if (memo.size > 10_000) for (const [id, m] of memo) if (m.at < now - FRESH_MS) memo.delete(id);
	}
	return new Map(volunteerIds.map((id) => [id, memo.get(id)?.days ?? 0]));
}
