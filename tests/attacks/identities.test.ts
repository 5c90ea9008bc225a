/**
 * Identities are free to ask for, so one person could play a whole quorum. Attacks from one network:
 * a hundred handshakes without an identity, a hundred REST node registrations, and (with proof of work
 * on) handshakes without a proof, with a wrong one, a replayed one and a forged challenge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubProcess, type HubProcess } from '../harness/hub-process';
import { solveProofOfWork } from '../../src/lib/protocol/proof-of-work';
import { client, honestAuth, outcome, type Outcome } from './socket-attacker';

const RATION = 5;
const POW_BITS = 10;

let rationed: HubProcess;
let proofs: HubProcess;

beforeAll(async () => {
	[rationed, proofs] = await Promise.all([
		startHubProcess({ env: { EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_IDENTITIES_PER_NETWORK: String(RATION) } }),
		startHubProcess({
			env: { EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_IDENTITIES_PER_NETWORK: '0', EXOSTACK_IDENTITY_POW_BITS: String(POW_BITS) }
		})
	]);
});
afterAll(() => Promise.all([rationed?.stop(), proofs?.stop()]));

async function handshake(hub: HubProcess, auth: object): Promise<Outcome> {
	const s = client(hub.url, '/volunteer', auth);
	try {
		return await outcome(s);
	} finally {
		s.close();
	}
}

describe('one network', () => {
	it('asking for 100 identities gets its ration, then rate-limited with when to come back', async () => {
		const outcomes: Outcome[] = [];
		for (let i = 0; i < 100; i++) outcomes.push(await handshake(rationed, honestAuth()));
		const issued = outcomes.filter((o) => o.welcome);
		expect(issued).toHaveLength(RATION);
		expect(new Set(issued.map((o) => o.welcome!.volunteerId)).size).toBe(RATION);
		const refused = outcomes.filter((o) => o.refusal);
		expect(refused).toHaveLength(100 - RATION);
		for (const o of refused) expect(o.refusal).toMatchObject({ code: 'rate-limited', retryAfterMs: expect.any(Number) });
		expect(refused[0].refusal!.retryAfterMs).toBeGreaterThan(0);
		expect(refused[0].refusal!.retryAfterMs).toBeLessThanOrEqual(3_600_000);
		// An identity already issued is not a new one: it still connects.
		const again = await handshake(rationed, honestAuth(issued[0].welcome!.identity));
		expect(again.welcome?.volunteerId).toBe(issued[0].welcome!.volunteerId);
	});

	it('registering 100 REST nodes draws on the same ration', async () => {
		const statuses: number[] = [];
		let last: Response | null = null;
		for (let i = 0; i < 100; i++) {
			last = await fetch(`${rationed.url}/nodes/register`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ id: `attacker-node-${i}` })
			});
			statuses.push(last.status);
		}
		// The handshakes above spent this network's ration already.
		expect(statuses.filter((s) => s === 201)).toHaveLength(0);
		expect(statuses.every((s) => s === 429)).toBe(true);
		expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(await last!.json()).toMatchObject({ error: expect.stringMatching(/too many new identities/) });
	});
});

describe('proof of work', () => {
	it('issues no identity without a valid proof, and refuses a replayed or forged challenge', async () => {
		const bare = await handshake(proofs, honestAuth());
		expect(bare.welcome).toBeUndefined();
		expect(bare.refusal).toMatchObject({ code: 'pow-required', pow: { bits: POW_BITS, challenge: expect.any(String) } });
		const challenge = bare.refusal!.pow!;

		// A nonce that was not searched for: refused, with a fresh challenge.
		const wrong = await handshake(proofs, { ...honestAuth(), pow: { challenge: challenge.challenge, nonce: 'guess' } });
		expect(wrong.refusal).toMatchObject({ code: 'pow-required', pow: expect.any(Object) });

		const solution = await solveProofOfWork(challenge);
		const paid = await handshake(proofs, { ...honestAuth(), pow: solution });
		expect(paid.welcome).toBeDefined();
		// The same solution again: spent.
		const replayed = await handshake(proofs, { ...honestAuth(), pow: solution });
		expect(replayed.refusal).toMatchObject({ code: 'pow-required' });

		// A challenge whose expiry was pushed back loses its signature; one of the hub's own made up is not its own.
		const [, random, mac] = challenge.challenge.split('.');
		const extended = await solveProofOfWork({ challenge: `${Date.now() + 3_600_000}.${random}.${mac}`, bits: POW_BITS });
		expect((await handshake(proofs, { ...honestAuth(), pow: extended })).refusal).toMatchObject({ code: 'pow-required' });
		const invented = await solveProofOfWork({ challenge: 'made.up.challenge', bits: POW_BITS });
		expect((await handshake(proofs, { ...honestAuth(), pow: invented })).refusal).toMatchObject({ code: 'pow-required' });
	});

	it('is solved by the headless volunteer by itself', async () => {
		const { startHeadlessVolunteer } = await import('../../src/lib/headless/headless-volunteer');
		let issued: string | null = null;
		const volunteer = startHeadlessVolunteer({ hubUrl: proofs.url, threads: 1, onIdentity: (identity) => (issued = identity) });
		try {
			await expect.poll(() => issued, { timeout: 20_000, interval: 50 }).not.toBeNull();
		} finally {
			await volunteer.stop();
		}
	});
});
