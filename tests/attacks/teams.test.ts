/**
 * Attacks on teams, names and recognition, from outside against a real hub: joining or leaving as
 * someone else (a forged or borrowed identity), names that carry markup into pages and cards, bodies
 * past their bounds, one identity founding team after team, a crowd racing to found one team, and
 * paths aimed out of the statistics folder. Every refusal changes nothing (checked through what the
 * hub shows anyone: a volunteer's record, team pages and cards, the statistics' totals).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubProcess, type HubProcess } from '../harness/hub-process';
import { client, honestAuth, outcome } from './socket-attacker';
import { rawGet } from './http-attacker';

let hub: HubProcess;

beforeAll(async () => {
	hub = await startHubProcess({ env: { EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_IDENTITIES_PER_NETWORK: '0' } });
});
afterAll(() => hub?.stop());

/** A new volunteer identity, as the hub signs it for a handshake. */
async function newVolunteer(): Promise<{ identity: string; id: string }> {
	const socket = client(hub.url, '/volunteer', honestAuth());
	try {
		const o = await outcome(socket);
		return { identity: o.welcome!.identity, id: o.welcome!.volunteerId };
	} finally {
		socket.close();
	}
}

const post = (pathname: string, body: unknown, raw?: string) =>
	fetch(`${hub.url}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
const profile = (identity: string, display_name: string, team: string | null) =>
	post('/api/volunteers/profile', { identity, display_name, team });
const join = (identity: string, team_id: string | null) => post('/api/volunteers/team', { identity, team_id });
const record = async (id: string) => (await fetch(`${hub.url}/api/volunteers/${id}`)).json();
const teamExists = async (teamId: string) => (await fetch(`${hub.url}/teams/${teamId}/card.svg`)).status === 200;

describe('team membership', () => {
	it('cannot be changed for another volunteer: a forged signature, or one volunteer’s signature on another’s id', async () => {
		const alice = await newVolunteer();
		const mallory = await newVolunteer();
		const founded = await (await profile(alice.identity, 'Alice', 'Alices')).json();
		const malloryTeam = await (await profile(mallory.identity, 'Mallory', 'Mallorys')).json();
		const forged = [
			`${alice.id}.${'A'.repeat(43)}`,
			`${alice.id}.${mallory.identity.slice(mallory.identity.lastIndexOf('.') + 1)}`,
			alice.id,
			`${alice.identity}x`
		];
		for (const identity of forged) {
			const leave = await join(identity, null);
			expect(leave.status, identity).toBe(403);
			expect((await leave.json()).error).toMatch(/not one this hub signed/);
			expect((await join(identity, malloryTeam.team_id)).status).toBe(403);
			expect((await profile(identity, 'Pwned', 'Mallorys')).status).toBe(403);
		}
		expect(await record(alice.id)).toMatchObject({ display_name: 'Alice', team: 'Alices', team_id: founded.team_id });
	});

	it('refuses names with markup, bodies past their bounds and unknown fields, and stores nothing', async () => {
		const eve = await newVolunteer();
		for (const team of [`<script>&"'`, '<img src=x onerror=alert(1)>', 'a&amp;b', '"quoted"', 'x'.repeat(41), ' ', '\u0000nul', 'a\u202eb'])
			expect((await profile(eve.identity, 'Eve', team)).status, team).toBe(400);
		expect((await profile(eve.identity, '<b>Eve</b>', null)).status).toBe(400);
		expect(
			(await post('/api/volunteers/profile', null, JSON.stringify({ identity: eve.identity, display_name: 'Eve', pad: 'x'.repeat(5000) })))
				.status
		).toBe(413);
		expect(
			(await post('/api/volunteers/team', null, JSON.stringify({ identity: eve.identity, team_id: null, pad: 'x'.repeat(2000) }))).status
		).toBe(413);
		expect((await post('/api/volunteers/team', { identity: eve.identity, team_id: null, admin: true })).status).toBe(400);
		expect((await post('/api/volunteers/team', { identity: eve.identity, team_id: 'Red Pandas' })).status).toBe(400);
		expect((await post('/api/volunteers/team', { identity: eve.identity })).status).toBe(400);
		const missing = await join(eve.identity, '00000000-0000-4000-8000-000000000000');
		expect(missing.status).toBe(404);
		expect(await record(eve.id)).toMatchObject({ display_name: null, team: null, team_id: null });
	});

	it('lets one identity found team after team, but leaves at most the last one standing', async () => {
		const spammer = await newVolunteer();
		const ids: string[] = [];
		for (let i = 0; i < 30; i++) ids.push((await (await profile(spammer.identity, 'Spammer', `Spam Team ${i}`)).json()).team_id);
		const standing = await Promise.all(ids.map(teamExists));
		expect(standing.slice(0, -1).every((s) => !s)).toBe(true);
		expect(standing.at(-1)).toBe(true);
		// Joining and leaving at once, many times over: the hub stays consistent and up.
		const helper = await newVolunteer();
		const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => join(helper.identity, i % 2 ? ids.at(-1)! : null)));
		expect(answers.every((a) => a.status === 200 || a.status === 404)).toBe(true);
		const after = await record(helper.id);
		expect([null, ids.at(-1)]).toContain(after.team_id);
	});

	it('a crowd founding one team at once, in different capitals, founds one team', async () => {
		const crowd = await Promise.all(Array.from({ length: 12 }, () => newVolunteer()));
		const answers = await Promise.all(
			crowd.map(async (v, i) => (await profile(v.identity, `Member ${i}`, i % 2 ? 'Night Owls' : 'night owls')).json())
		);
		expect(new Set(answers.map((a) => a.team_id)).size).toBe(1);
		expect(new Set(answers.map((a) => a.team)).size).toBe(1);
		const page = await (await fetch(`${hub.url}/teams/${answers[0].team_id}`)).text();
		expect(page).toContain('Member 0');
	});
});

describe('cards and statistics', () => {
	it('answer odd ids with 404, and never serve a file from outside the statistics', async () => {
		for (const target of [
			'/volunteers/nobody/card.svg',
			`/teams/00000000-0000-4000-8000-000000000000/card.svg`,
			'/teams/not-a-uuid/card.svg'
		])
			expect((await fetch(`${hub.url}${target}`)).status, target).toBe(404);
		for (const target of [
			'/stats/..%2fapi-token',
			'/stats/%2e%2e%2fapi-token',
			'/stats/../api-token',
			'/stats/.making-x',
			'/stats/2026-01-01',
			'/stats/index.json%00'
		]) {
			const reply = await rawGet(hub.port, target);
			expect(reply.status, target).toBe(404);
			expect(reply.body.toString()).not.toMatch(/exo_/);
		}
	});

	it('statistics count every team but name only volunteers who chose a name', async () => {
		const index = await (await fetch(`${hub.url}/stats/index.json`)).json();
		// The spammer's 30 foundings left one team; the others above: Alices, Mallorys, Night Owls.
		expect(index.totals.teams).toBe(4);
		expect(index.totals.public_volunteers).toBeLessThan(index.totals.volunteers);
	});
});
