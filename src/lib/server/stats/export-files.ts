import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { csvCell } from '../http/csv';
import type { ExportRows } from './export-rows';

/** The files of the open statistics, by the name they are served under (/stats/<name>). */
export const STATS_FILES = [
	'users.json.gz',
	'users.csv.gz',
	'teams.json.gz',
	'teams.csv.gz',
	'credit.json.gz',
	'credit.csv.gz',
	'index.json'
] as const;
export type StatsFileName = (typeof STATS_FILES)[number];

export interface StatsFile {
	body: Buffer;
	/** sha256 of the body, quoted. */
	etag: string;
	contentType: string;
}

function csv(rows: Record<string, string | number | null>[], columns: string[]): string {
	const line = (values: (string | number | null)[]) => values.map((v) => (v === null ? '' : csvCell(String(v)))).join(',');
	return [line(columns), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\r\n') + '\r\n';
}

/** A file's body with what it is served with; the same bytes get the same ETag on every hub process. */
export function statsFile(name: StatsFileName, body: Buffer): StatsFile {
	return {
		body,
		etag: `"${createHash('sha256').update(body).digest('hex')}"`,
		contentType: name.endsWith('.gz') ? 'application/gzip' : 'application/json'
	};
}

// gzip's header carries a time stamp; 0 keeps one day's exports byte-identical wherever they are made.
const gz = (text: string) => gzipSync(text, { level: 9 }).fill(0, 4, 8);

/** Every statistics file, from one read of the rows: gzipped JSON and CSV of users, teams and credit per day, and an index. */
export function buildStatsFiles(rows: ExportRows, day: string, generatedAt: Date): Record<StatsFileName, StatsFile> {
	const stamp = { day, generated_at: generatedAt.toISOString() };
	const userColumns = ['volunteer_id', 'name', 'team_id', 'credit', 'credit_last_7_days', 'results', 'since'];
	const teamColumns = ['team_id', 'name', 'founded', 'members', 'credit', 'credit_last_7_days'];
	const files = {
		'users.json.gz': statsFile('users.json.gz', gz(JSON.stringify({ ...stamp, users: rows.users }))),
		'users.csv.gz': statsFile('users.csv.gz', gz(csv(rows.users, userColumns))),
		'teams.json.gz': statsFile('teams.json.gz', gz(JSON.stringify({ ...stamp, teams: rows.teams }))),
		'teams.csv.gz': statsFile('teams.csv.gz', gz(csv(rows.teams, teamColumns))),
		'credit.json.gz': statsFile('credit.json.gz', gz(JSON.stringify({ ...stamp, days: rows.days }))),
		'credit.csv.gz': statsFile('credit.csv.gz', gz(csv(rows.days, ['day', 'credit', 'results', 'volunteers'])))
	};
	const index = {
		...stamp,
		totals: rows.totals,
		files: Object.entries(files).map(([name, f]) => ({ name, bytes: f.body.length, sha256: f.etag.slice(1, -1) }))
	};
	return { ...files, 'index.json': statsFile('index.json', Buffer.from(JSON.stringify(index, null, 2))) };
}
