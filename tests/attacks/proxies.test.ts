/**
 * X-Forwarded-For is only as honest as whoever wrote it. A client that connects directly and claims to
 * come from elsewhere is counted by its own address; a reverse proxy the operator trusts is believed.
 * Shown on the per-network identity ration, which counts by the resolved address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubProcess, type HubProcess } from '../harness/hub-process';
import { client, honestAuth, outcome } from './socket-attacker';

let direct: HubProcess;
let proxied: HubProcess;

beforeAll(async () => {
	const env = { EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_IDENTITIES_PER_NETWORK: '2' };
	[direct, proxied] = await Promise.all([
		startHubProcess({ env }),
		startHubProcess({ env: { ...env, EXOSTACK_TRUSTED_PROXIES: 'loopback' } })
	]);
});
afterAll(() => Promise.all([direct?.stop(), proxied?.stop()]));

async function fromAddress(hub: HubProcess, forwardedFor: string) {
	const s = client(hub.url, '/volunteer', honestAuth(), { 'x-forwarded-for': forwardedFor });
	try {
		return await outcome(s);
	} finally {
		s.close();
	}
}

describe('X-Forwarded-For', () => {
	it('is ignored from a peer that is not a trusted proxy', async () => {
		const claimed = ['203.0.113.5', '198.51.100.7', '192.0.2.9'];
		const outcomes = [];
		for (const address of claimed) outcomes.push(await fromAddress(direct, address));
		// All three are 127.0.0.1's: the ration of two holds whatever the header claims.
		expect(outcomes.filter((o) => o.welcome)).toHaveLength(2);
		expect(outcomes[2].refusal).toMatchObject({ code: 'rate-limited' });
	});

	it('is honoured from a trusted proxy: each client network has its own ration', async () => {
		expect((await fromAddress(proxied, '203.0.113.5')).welcome).toBeDefined();
		expect((await fromAddress(proxied, '203.0.113.77')).welcome).toBeDefined();
		expect((await fromAddress(proxied, '203.0.113.200')).refusal).toMatchObject({ code: 'rate-limited' });
		// Another network, through the same proxy; and a forged left-most hop does not move a client to it.
		expect((await fromAddress(proxied, '198.51.100.7')).welcome).toBeDefined();
		expect((await fromAddress(proxied, '192.0.2.1, 203.0.113.9')).refusal).toMatchObject({ code: 'rate-limited' });
	});
});
