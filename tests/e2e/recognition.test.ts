/**
 * Recognition and open statistics on the production hub, with credit earned for real: headless
 * volunteers (onnxruntime-node) compute embedding jobs whose vectors are checked against the reference,
 * then the cards, the volunteer's and the team's pages, the leaderboard's milestone column, the join
 * link (in Chromium, with the identity a volunteer tab keeps in IndexedDB) and the statistics files are
 * read as their users would: a forum embedding a card from another origin, a stats site gunzipping.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { launchChromium } from '../harness/chromium';
import { freshDatabase } from '../harness/postgres';
import { seriousAxeViolations } from '../harness/page-checks';
import { runCheckedJob, sentences } from '../harness/volunteer-page';
import { startHeadlessVolunteer } from '../../src/lib/headless/headless-volunteer';

const database = await freshDatabase();

type Headless = ReturnType<typeof startHeadlessVolunteer>;
interface Person {
	id: string;
	identity: string;
	volunteer: Headless;
}

describe('recognition and open statistics', () => {
	let hub: HubProcess;
	let browser: Browser;
	let ada: Person;
	let shy: Person;
	let teamId: string;
	const credit = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

	async function volunteer(): Promise<Person> {
		let identity = '';
		let id = '';
		const v = startHeadlessVolunteer({ hubUrl: hub.url, threads: 1, onIdentity: (i, vid) => ((identity = i), (id = vid)) });
		await expect.poll(() => id, { timeout: 30_000 }).not.toBe('');
		return { id, identity, volunteer: v };
	}
	const record = async (id: string) => (await fetch(`${hub.url}/api/volunteers/${id}`)).json();
	async function open(path: string): Promise<Page> {
		const page = await browser.newPage();
		page.on('pageerror', (e) => console.error(`[${path}] ${e.message}`));
		await page.goto(`${hub.url}${path}`);
		return page;
	}

	beforeAll(async () => {
		[hub, browser] = await Promise.all([startHubProcess({ dataDir: tempDir() }), launchChromium({ webgpu: false })]);
	}, 120_000);
	afterAll(async () => {
		await browser?.close();
		await hub?.stop();
	});

	it('grants the credit the milestones and ranks are drawn from', async () => {
		// Ada names herself and founds a team, then computes a job alone: twelve one-input chunks, twelve accepted results.
		ada = await volunteer();
		const saved = await fetch(`${hub.url}/api/volunteers/profile`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: ada.identity, display_name: 'Ada', team: 'Red Pandas' })
		});
		teamId = (await saved.json()).team_id;
		await runCheckedJob(hub, 'demo-embedding', sentences(12), 1);
		await ada.volunteer.stop();
		// A volunteer who never chose a name computes one too: it earns credit and must be named nowhere.
		shy = await volunteer();
		await runCheckedJob(hub, 'demo-embedding', sentences(3, 7), 1);
		await shy.volunteer.stop();

		const a = await record(ada.id);
		expect(a.credit).toBeGreaterThan(0);
		expect(a.achievements).toEqual({ credit: a.credit, results: 12, streak: 1 });
		const s = await record(shy.id);
		expect(s.achievements.results).toBe(3);
		expect([a.rank, s.rank].sort()).toEqual([1, 2]);
	}, 300_000);

	it('draws cards with name, credit, rank and milestones, embeddable by another site', async () => {
		const a = await record(ada.id);
		const response = await fetch(`${hub.url}/volunteers/${ada.id}/card.svg`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
		expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
		expect(response.headers.get('cache-control')).toBe('public, max-age=300');
		const svg = await response.text();
		for (const text of ['Ada', 'team Red Pandas', `${credit.format(a.credit)} credit · rank #${a.rank}`, '10 results'])
			expect(svg).toContain(text);
		const team = await (await fetch(`${hub.url}/teams/${teamId}/card.svg`)).text();
		expect(team).toContain('Red Pandas');
		expect(team).toContain(`${credit.format(a.credit)} credit · rank #1`);

		// A page of another origin (about:blank) shows the cards; the hub's other images stay its own.
		const page = await browser.newPage();
		const widths = await page.evaluate(
			async (urls) => {
				const load = (src: string) =>
					new Promise<number>((resolve) => {
						const img = new Image();
						img.onload = () => resolve(img.naturalWidth);
						img.onerror = () => resolve(0);
						img.src = src;
					});
				return Promise.all(urls.map(load));
			},
			[`${hub.url}/volunteers/${ada.id}/card.svg`, `${hub.url}/teams/${teamId}/card.svg`, `${hub.url}/favicon.svg`]
		);
		expect(widths).toEqual([400, 400, 0]);
		await page.close();
	});

	it('shows milestones on the volunteer’s page and in the leaderboard’s column', async () => {
		const page = await open(`/volunteers/${ada.id}`);
		await expect.poll(() => page.getByTestId('milestone-badges').textContent()).toContain('10 results');
		expect(await page.getByTestId('milestones').textContent()).toContain('Next: 100 results');
		expect(await seriousAxeViolations(page)).toEqual([]);
		await page.close();
		const board = await open('/leaderboard');
		const row = board.locator(`tr[data-volunteer="${ada.id}"]`);
		await expect.poll(() => row.getByTestId('badges').textContent()).toContain('10 results');
		expect(await board.locator(`tr[data-volunteer="${shy.id}"]`).getByTestId('badges').textContent()).not.toContain('10 results');
		await board.close();
	});

	it('joins a team from its link with the identity the browser keeps, and lists only named members', async () => {
		const context = await browser.newContext();
		const stranger = await context.newPage();
		await stranger.goto(`${hub.url}/teams/${teamId}/join`);
		await expect.poll(() => stranger.getByTestId('join-status').textContent()).toContain('has not volunteered yet');
		// The identity a volunteer tab of this browser would have saved (idb-keyval's default store).
		await stranger.evaluate(
			(identity) =>
				new Promise<void>((resolve, reject) => {
					const open = indexedDB.open('keyval-store');
					open.onupgradeneeded = () => open.result.createObjectStore('keyval');
					open.onsuccess = () => {
						const tx = open.result.transaction('keyval', 'readwrite');
						tx.objectStore('keyval').put(identity, 'exostack:identity');
						tx.oncomplete = () => resolve();
						tx.onerror = () => reject(tx.error);
					};
				}),
			shy.identity
		);
		await stranger.reload();
		// Opening the link alone joins nothing.
		await stranger.getByTestId('join-team').waitFor();
		expect((await record(shy.id)).team_id).toBeNull();
		await stranger.getByTestId('join-team').click();
		await expect.poll(() => stranger.getByTestId('join-status').textContent()).toContain('You are in team Red Pandas');
		expect((await record(shy.id)).team_id).toBe(teamId);

		const page = await open(`/teams/${teamId}`);
		expect(await page.getByTestId('team-members').textContent()).toBe('2');
		const members = await page.getByTestId('team-member-list').textContent();
		expect(members).toContain('Ada');
		expect(members).not.toContain(shy.id.slice(0, 8));
		expect(await page.getByTestId('team-others').textContent()).toContain('1 volunteer without a public name');
		const total = (await record(ada.id)).credit + (await record(shy.id)).credit;
		expect(await page.getByTestId('team-credit').textContent()).toBe(
			new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(total)
		);
		expect(await page.getByTestId('team-rank').textContent()).toBe('1');
		await expect
			.poll(() => page.locator('img').evaluate((img: HTMLImageElement) => `${img.src} ${img.complete} ${img.naturalWidth}`), {
				timeout: 5000
			})
			.toMatch(/ true 400$/);
		// The address to copy is the browser's own origin, whatever the server rendered with.
		await expect.poll(() => page.locator('#card-url').inputValue()).toBe(`${hub.url}/teams/${teamId}/card.svg`);
		expect(await seriousAxeViolations(page)).toEqual([]);
		await page.close();

		// The volunteer page of the same browser shows its milestones panel: rank, team, the next milestones.
		const own = await context.newPage();
		await own.goto(`${hub.url}/volunteer`);
		const panel = own.getByTestId('milestones-panel');
		await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toContain('team Red Pandas');
		expect(await panel.textContent()).toMatch(/Rank [12]/);
		expect(await panel.textContent()).toContain('Next: 10 results');
		await context.close();
	});

	it('exports the day’s statistics: public volunteers by name with their credit, teams, never the private one', async () => {
		const a = await record(ada.id);
		const get = (name: string, headers: Record<string, string> = {}) => fetch(`${hub.url}/stats/${name}`, { headers });
		const index = await (await get('index.json')).json();
		expect(index.day).toBe(new Date().toISOString().slice(0, 10));
		expect(index.totals).toMatchObject({ volunteers: 2, public_volunteers: 1, teams: 1 });
		const usersResponse = await get('users.json.gz');
		expect(usersResponse.headers.get('content-type')).toBe('application/gzip');
		const body = Buffer.from(await usersResponse.arrayBuffer());
		const users = JSON.parse(gunzipSync(body).toString()).users;
		expect(users).toEqual([
			{ volunteer_id: ada.id, name: 'Ada', team_id: teamId, credit: a.credit, credit_last_7_days: a.credit, results: 12, since: index.day }
		]);
		const csv = gunzipSync(Buffer.from(await (await get('users.csv.gz')).arrayBuffer()))
			.toString()
			.trim()
			.split('\r\n');
		expect(csv).toEqual([
			'volunteer_id,name,team_id,credit,credit_last_7_days,results,since',
			`${ada.id},Ada,${teamId},${a.credit},${a.credit},12,${index.day}`
		]);
		const teams = JSON.parse(gunzipSync(Buffer.from(await (await get('teams.json.gz')).arrayBuffer())).toString()).teams;
		expect(teams).toEqual([expect.objectContaining({ team_id: teamId, name: 'Red Pandas', members: 2 })]);
		for (const name of ['users.json.gz', 'users.csv.gz', 'teams.json.gz', 'teams.csv.gz', 'credit.json.gz', 'credit.csv.gz']) {
			const text = gunzipSync(Buffer.from(await (await get(name)).arrayBuffer())).toString();
			expect(text).not.toContain(shy.id);
			expect(text).not.toMatch(/last_seen|native|cores|idle|readiness/);
		}
		const days = JSON.parse(gunzipSync(Buffer.from(await (await get('credit.json.gz')).arrayBuffer())).toString()).days;
		expect(days).toEqual([
			{ day: index.day, credit: expect.closeTo(a.credit + (await record(shy.id)).credit, 6), results: 15, volunteers: 2 }
		]);
		// A poller with the current copy costs a 304.
		expect((await get('users.json.gz', { 'if-none-match': usersResponse.headers.get('etag')! })).status).toBe(304);
	});
});

describe.skipIf(!database)('open statistics from two hub processes sharing a data folder', () => {
	let a: HubProcess;
	let b: HubProcess;
	afterAll(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await database?.drop();
	});

	it('are made once for the day and served alike by both, even when both are asked first at once', async () => {
		const dataDir = tempDir();
		[a, b] = await Promise.all([
			startHubProcess({ databaseUrl: database!.url, dataDir }),
			startHubProcess({ databaseUrl: database!.url, dataDir })
		]);
		let identity = '';
		const v = startHeadlessVolunteer({ hubUrl: a.url, threads: 1, mode: 'paused', onIdentity: (i) => (identity = i) });
		await expect.poll(() => identity, { timeout: 30_000 }).not.toBe('');
		await v.stop();
		const saved = await fetch(`${b.url}/api/volunteers/profile`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity, display_name: 'Grace', team: 'Compilers' })
		});
		expect(saved.status).toBe(200);
		const first = await Promise.all([a, b, a, b].map((h) => fetch(`${h.url}/stats/users.json.gz`)));
		const tags = first.map((r) => r.headers.get('etag'));
		expect(new Set(tags).size).toBe(1);
		const users = JSON.parse(gunzipSync(Buffer.from(await first[1].arrayBuffer())).toString()).users;
		expect(users.map((u: { name: string }) => u.name)).toEqual(['Grace']);
		// Each answers 304 to the other's validator.
		for (const h of [a, b])
			expect((await fetch(`${h.url}/stats/users.json.gz`, { headers: { 'if-none-match': tags[0]! } })).status).toBe(304);
	}, 120_000);
});
