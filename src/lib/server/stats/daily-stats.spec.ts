import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { creditLedger, teams, volunteers, volunteerSessions } from '../db/schema';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import type { Database, Db } from '../db';
import { setProfile } from '../volunteers/profile';
import { moveToTeam } from '../teams/membership';
import { dailyStats } from './daily-stats';
import { CREDIT_DAYS } from './export-rows';
import { serveStatsFile } from './serve-stats';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 10, 12);

describe.each(TEST_DB_KINDS)('daily open statistics on %s', (kind) => {
	let database: Database;
	let db: Db;
	let dir: string;
	// Credit alone, as a row whose job was since deleted keeps it: the ledger's keys take only real jobs and tasks, and these reads need neither.
	const grant = (volunteerId: string, amount: number, at: number) =>
		db.insert(creditLedger).values({ volunteerId, jobId: null, taskId: null, amount, createdAt: new Date(at) });
	const json = (body: Buffer) => JSON.parse(gunzipSync(body).toString('utf8'));
	const csv = (body: Buffer) => gunzipSync(body).toString('utf8').trim().split('\r\n');

	beforeAll(async () => {
		database = await openTestDatabase(kind);
		db = database.db;
		dir = mkdtempSync(path.join(tmpdir(), 'exostack-stats-'));
		await db.insert(volunteers).values([
			{ id: 'ada', credit: 130, validResults: 3, createdAt: new Date(NOW - 30 * DAY) },
			{ id: 'shy-volunteer', credit: 70, validResults: 1 },
			{ id: 'eve', credit: 5 }
		]);
		await setProfile(db, 'ada', { displayName: 'Ada', team: 'Red Pandas' });
		// A name from before names were checked: the CSV must not hand it to a spreadsheet as a formula.
		await db.update(volunteers).set({ displayName: '=cmd|calc' }).where(eq(volunteers.id, 'eve'));
		// shy-volunteer chose no name but is in the team: counted there, named nowhere.
		const [team] = await db.select().from(teams);
		await moveToTeam(db, 'shy-volunteer', team.id);
		await grant('ada', 100, NOW - 20 * DAY);
		await grant('ada', 30, NOW - DAY);
		await grant('shy-volunteer', 70, NOW - DAY);
		// Older than the credit-per-day file reaches back.
		await grant('ada', 5, NOW - CREDIT_DAYS * DAY);
		// A live session with hardware and presence: none of it may reach the statistics.
		await db.insert(volunteerSessions).values({
			id: 's1',
			volunteerId: 'ada',
			hubId: 'h',
			capabilities: { backend: 'webgpu', cores: 12, deviceMemory: 16, agent: 'Mozilla/5.0 SecretOS' } as never,
			mode: 'auto',
			readiness: { score: 90, idle: { state: 'idle', seconds: 999 } } as never,
			network: '203.0.113.0/24'
		});
	});
	afterAll(async () => {
		await database?.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('exports public volunteers by name with their credit, and teams; never a private volunteer, presence or hardware', async () => {
		const stats = await dailyStats(db, path.join(dir, 'stats'), NOW);
		expect(stats.day).toBe('2026-01-10');
		const users = json(stats.files['users.json.gz'].body);
		expect(users.day).toBe('2026-01-10');
		expect(users.users.map((u: { volunteer_id: string }) => u.volunteer_id)).toEqual(['ada', 'eve']);
		expect(users.users[0]).toMatchObject({ name: 'Ada', credit: 130, credit_last_7_days: 30, results: 3, since: '2025-12-11' });
		const teams = json(stats.files['teams.json.gz'].body).teams;
		expect(teams).toEqual([expect.objectContaining({ name: 'Red Pandas', members: 2, credit: 200, credit_last_7_days: 100 })]);
		expect(csv(stats.files['users.csv.gz'].body)).toEqual([
			'volunteer_id,name,team_id,credit,credit_last_7_days,results,since',
			`ada,Ada,${teams[0].team_id},130,30,3,2025-12-11`,
			`eve,"'=cmd|calc",,5,0,0,${users.users[1].since}`
		]);
		expect(csv(stats.files['teams.csv.gz'].body)[1]).toMatch(/^[0-9a-f-]{36},Red Pandas,\d{4}-\d\d-\d\d,2,200,100$/);
		const index = JSON.parse(stats.files['index.json'].body.toString());
		expect(index.totals).toEqual({
			volunteers: 3,
			public_volunteers: 2,
			credit: 205,
			credit_of_volunteers_without_a_public_name: 70,
			teams: 1
		});
		expect(index.files.map((f: { name: string }) => f.name)).toEqual([
			'users.json.gz',
			'users.csv.gz',
			'teams.json.gz',
			'teams.csv.gz',
			'credit.json.gz',
			'credit.csv.gz'
		]);
		// The project's credit per UTC day: everyone's, named or not, naming no one.
		expect(json(stats.files['credit.json.gz'].body).days).toEqual([
			{ day: '2025-12-21', credit: 100, results: 1, volunteers: 1 },
			{ day: '2026-01-09', credit: 100, results: 2, volunteers: 2 }
		]);
		expect(csv(stats.files['credit.csv.gz'].body)).toEqual(['day,credit,results,volunteers', '2025-12-21,100,1,1', '2026-01-09,100,2,2']);
		const everything = [...Object.values(stats.files)].map((f) =>
			(f.contentType === 'application/gzip' ? gunzipSync(f.body) : f.body).toString()
		);
		for (const secret of ['shy-volunteer', 'SecretOS', '203.0.113', 'last_seen', 'cores', 'device', 'idle', 'readiness', 'webgpu'])
			expect(everything.join('\n'), secret).not.toContain(secret);
	});

	it('is made once a day: later requests, and other processes sharing the folder, get the same files', async () => {
		const first = await dailyStats(db, path.join(dir, 'stats'), NOW);
		await grant('ada', 1000, NOW);
		const again = await dailyStats(db, path.join(dir, 'stats'), NOW + 3_600_000);
		expect(again).toBe(first);
		// Another process: its own memory (another folder string), the same folder on disk.
		const other = await dailyStats(db, `${dir}/x/../stats`, NOW + 3_600_000);
		expect(other.files['users.json.gz'].etag).toBe(first.files['users.json.gz'].etag);
		expect(other.generatedAt).toEqual(first.generatedAt);
		// The next day: made afresh with the new credit, and yesterday's folder is gone, as is the scratch
		// folder of a process that died writing (old); one being written now (young) stays.
		mkdirSync(path.join(dir, 'stats', '.making-2026-01-10-dead'));
		utimesSync(path.join(dir, 'stats', '.making-2026-01-10-dead'), new Date(NOW), new Date(NOW));
		mkdirSync(path.join(dir, 'stats', '.making-2026-01-11-busy'));
		const tomorrow = await dailyStats(db, path.join(dir, 'stats'), NOW + DAY);
		expect(json(tomorrow.files['users.json.gz'].body).users[0].credit_last_7_days).toBe(1030);
		expect(readdirSync(path.join(dir, 'stats')).sort()).toEqual(['.making-2026-01-11-busy', '2026-01-11']);
		expect(existsSync(path.join(dir, 'stats', '2026-01-10'))).toBe(false);
	});

	it('serves a file with validators, answers 304 to a current copy, and 404 to an unknown name', async () => {
		const stats = () => dailyStats(db, path.join(dir, 'stats'), NOW + DAY);
		const ok = await serveStatsFile('users.csv.gz', new Request('http://hub/stats/users.csv.gz'), stats, NOW + DAY);
		expect(ok.status).toBe(200);
		expect(ok.headers.get('content-type')).toBe('application/gzip');
		expect(ok.headers.get('cache-control')).toBe(`public, max-age=${DAY / 2 / 1000}`);
		expect(gunzipSync(Buffer.from(await ok.arrayBuffer())).toString()).toContain('volunteer_id,name');
		const etag = ok.headers.get('etag')!;
		const lastModified = ok.headers.get('last-modified')!;
		const revalidate = (headers: Record<string, string>) =>
			serveStatsFile('users.csv.gz', new Request('http://hub/stats/users.csv.gz', { headers }), stats).then((r) => r.status);
		expect(await revalidate({ 'if-none-match': `"other", ${etag}` })).toBe(304);
		expect(await revalidate({ 'if-none-match': '"other"' })).toBe(200);
		expect(await revalidate({ 'if-modified-since': lastModified })).toBe(304);
		expect(await revalidate({ 'if-modified-since': new Date(NOW).toUTCString() })).toBe(200);
		expect((await serveStatsFile('../api-token', new Request('http://hub/'), stats)).status).toBe(404);
	});
});
