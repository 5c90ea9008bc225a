import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubToken } from './hub-token';

const T = 'exo_0123456789abcdef';

describe('hubToken', () => {
	it('sends --token to the hub of the same command, wherever it is', () => {
		expect(hubToken('https://elsewhere.example', T, {})).toEqual({ token: T, withheld: null });
	});

	it('sends EXOSTACK_API_TOKEN to EXOSTACK_HUB_URL only (loopback names are one machine)', () => {
		const env = { EXOSTACK_API_TOKEN: T, EXOSTACK_HUB_URL: 'http://127.0.0.1:8000/' };
		expect(hubToken('http://127.0.0.1:8000', undefined, env).token).toBe(T);
		expect(hubToken('http://localhost:8000', undefined, env).token).toBe(T);
		expect(hubToken('http://127.0.0.1:9000', undefined, env).token).toBeNull();
		expect(hubToken('https://127.0.0.1:8000', undefined, env).token).toBeNull();
		const elsewhere = hubToken('http://evil.example:8000', undefined, env);
		expect(elsewhere.token).toBeNull();
		expect(elsewhere.withheld).toMatch(/EXOSTACK_API_TOKEN belongs to http:\/\/127.0.0.1:8000\/, not http:\/\/evil.example:8000/);
	});

	it('sends EXOSTACK_API_TOKEN without EXOSTACK_HUB_URL, and a data folder’s token, only to a hub on this machine', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'exostack-token-'));
		writeFileSync(path.join(dir, 'api-token'), `${T}\n`);
		for (const env of [{ EXOSTACK_API_TOKEN: T }, { EXOSTACK_DATA_DIR: dir }]) {
			for (const local of ['http://localhost:8000', 'http://127.0.0.2:9000', 'http://[::1]:8000', 'http://hub.localhost']) {
				expect(hubToken(local, undefined, env).token, local).toBe(T);
			}
			for (const remote of ['http://192.168.1.5:8000', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io']) {
				expect(hubToken(remote, undefined, env), remote).toMatchObject({ token: null, withheld: expect.stringContaining('this machine') });
			}
		}
		expect(hubToken('http://localhost:8000', undefined, { EXOSTACK_DATA_DIR: path.join(dir, 'none') })).toEqual({
			token: null,
			withheld: null
		});
	});
});
