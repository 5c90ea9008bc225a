/**
 * The open statistics are made at most once per UTC day, on the first request of the day, and kept
 * in the data folder (`stats/<day>/`), so a stats site polling them costs a file read at most, and
 * usually not even that (each process keeps the day's files in memory). Hub processes sharing the
 * data folder share the files: each day is written to a scratch folder and renamed into place in
 * one step, so a reader sees a whole day or none, and when two processes make the same day at once,
 * the first rename wins and the other reads its files.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import { utcDayStart } from '../volunteers/streaks';
import { exportRows } from './export-rows';
import { buildStatsFiles, STATS_FILES, statsFile, type StatsFile, type StatsFileName } from './export-files';

export interface DailyStats {
	day: string;
	generatedAt: Date;
	files: Record<StatsFileName, StatsFile>;
}

const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;
const memos = new Map<string, { day: string; stats: Promise<DailyStats> }>();

/** Today's statistics (UTC), made now if no process has made them yet today. `folder` is the data folder's `stats/`. */
export function dailyStats(db: Db, folder: string, now = Date.now()): Promise<DailyStats> {
	const day = utcDayStart(now).toISOString().slice(0, 10);
	const memo = memos.get(folder);
	if (memo?.day === day) return memo.stats;
	const stats = readDay(folder, day) ?? makeDay(db, folder, day, now);
	// A failure is not remembered: the next request tries again.
	stats.catch(() => memos.delete(folder));
	memos.set(folder, { day, stats });
	return stats;
}

function readDay(folder: string, day: string): Promise<DailyStats> | null {
	try {
		const dir = path.join(folder, day);
		const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { generated_at: string };
		const generatedAt = new Date(index.generated_at);
		const files = buildFromDisk(dir);
		return Promise.resolve({ day, generatedAt, files });
	} catch {
		return null; // not made yet today (or half-deleted by hand): make it
	}
}

function buildFromDisk(dir: string): Record<StatsFileName, StatsFile> {
	return Object.fromEntries(STATS_FILES.map((name) => [name, statsFile(name, readFileSync(path.join(dir, name)))])) as Record<
		StatsFileName,
		StatsFile
	>;
}

async function makeDay(db: Db, folder: string, day: string, now: number): Promise<DailyStats> {
	const generatedAt = new Date(now);
	const files = buildStatsFiles(await exportRows(db, now), day, generatedAt);
	mkdirSync(folder, { recursive: true, mode: 0o700 });
	const scratch = path.join(folder, `.making-${day}-${randomBytes(6).toString('hex')}`);
	mkdirSync(scratch, { mode: 0o700 });
	for (const name of STATS_FILES) writeFileSync(path.join(scratch, name), files[name].body, { mode: 0o600 });
	try {
		renameSync(scratch, path.join(folder, day));
	} catch {
		// Another process put its day in place first: serve that one, so every process answers alike.
		rmSync(scratch, { recursive: true, force: true });
		const theirs = readDay(folder, day);
		if (theirs) return theirs;
	}
	// Earlier days are not kept: the statistics are today's, at stable URLs. Nor are the scratch folders of
	// a process that died while writing (an hour is far longer than any takes; younger ones may be in use).
	for (const old of readdirSync(folder)) {
		const stale = DAY_FOLDER.test(old)
			? old !== day
			: old.startsWith('.making-') && statSync(path.join(folder, old)).mtimeMs < now - 3_600_000;
		if (stale) rmSync(path.join(folder, old), { recursive: true, force: true });
	}
	return { day, generatedAt, files };
}
