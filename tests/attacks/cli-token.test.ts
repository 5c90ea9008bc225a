/**
 * An attack on the person using the CLI: a job id and a `--hub` pasted from somewhere (a chat, an issue,
 * a README) pointing at a server that records the Authorization header. The token the CLI found for the
 * user's own hub (EXOSTACK_API_TOKEN, or the data folder's api-token) must not go to it; a token given
 * with `--token` for that hub, or configured for it, does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness/hub-process';

const SECRET = 'exo_users_own_token_0123456789';
const JOB = '3f0c6d2e-8a51-4c1b-9d7e-0a1b2c3d4e5f';

/** A non-loopback address of this machine: the attacker's server must not look like "a hub on this machine". */
const lanAddress = Object.values(os.networkInterfaces())
	.flat()
	.find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

let attacker: http.Server;
let port: number;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
	attacker = http.createServer((req, res) => {
		seen.push(req.headers.authorization);
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ job_id: JOB, status: 'queued' }));
	});
	await new Promise<void>((r) => attacker.listen(0, '0.0.0.0', r));
	port = (attacker.address() as AddressInfo).port;
});
afterAll(() => attacker?.close());

function cli(args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<{ code: number | null; stderr: string }> {
	const full: Record<string, string | undefined> = { ...process.env, EXOSTACK_API_TOKEN: undefined, EXOSTACK_HUB_URL: undefined, ...env };
	for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [path.resolve('bin/exostack.js'), ...args], { env: full, cwd });
		let stderr = '';
		child.stderr.on('data', (d) => (stderr += d));
		child.on('close', (code) => resolve({ code, stderr }));
	});
}

/** The Authorization headers the attacker saw during `run`. */
async function captured(run: () => Promise<unknown>): Promise<(string | undefined)[]> {
	seen.length = 0;
	await run();
	return [...seen];
}

describe('the CLI’s token and a --hub it was handed', () => {
	it('does not send EXOSTACK_API_TOKEN to a hub other than EXOSTACK_HUB_URL', async () => {
		const got = await captured(() =>
			cli(['status', JOB, '--hub', `http://127.0.0.1:${port}`], { EXOSTACK_API_TOKEN: SECRET, EXOSTACK_HUB_URL: 'http://127.0.0.1:1' })
		);
		expect(got.length).toBeGreaterThan(0);
		expect(got).toEqual(got.map(() => undefined));
	});

	it.skipIf(!lanAddress)('does not send a token meant for a hub on this machine to another machine', async () => {
		const elsewhere = `http://${lanAddress}:${port}`;
		const fromEnv = await captured(() => cli(['status', JOB, '--hub', elsewhere], { EXOSTACK_API_TOKEN: SECRET }));
		expect(fromEnv.length).toBeGreaterThan(0);
		expect(fromEnv).toEqual(fromEnv.map(() => undefined));
		// The api-token a local hub saved in ./data.
		const cwd = tempDir('exostack-cli-cwd-');
		mkdirSync(path.join(cwd, 'data'));
		writeFileSync(path.join(cwd, 'data', 'api-token'), `${SECRET}\n`, { mode: 0o600 });
		const fromFile = await captured(() => cli(['status', JOB, '--hub', elsewhere], {}, cwd));
		expect(fromFile.length).toBeGreaterThan(0);
		expect(fromFile).toEqual(fromFile.map(() => undefined));
	});

	it('sends the token where the user paired it with the hub: --token, or EXOSTACK_HUB_URL with EXOSTACK_API_TOKEN', async () => {
		const hub = `http://127.0.0.1:${port}`;
		expect(await captured(() => cli(['status', JOB, '--hub', hub, '--token', SECRET], {}))).toContain(`Bearer ${SECRET}`);
		expect(await captured(() => cli(['status', JOB], { EXOSTACK_API_TOKEN: SECRET, EXOSTACK_HUB_URL: hub }))).toContain(`Bearer ${SECRET}`);
		expect(
			await captured(() =>
				cli(['status', JOB, '--hub', `http://localhost:${port}/`], { EXOSTACK_API_TOKEN: SECRET, EXOSTACK_HUB_URL: hub })
			)
		).toContain(`Bearer ${SECRET}`);
	});
});
