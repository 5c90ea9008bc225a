/**
 * Whether a new identity may be issued to a network: its proof of work first (when asked for), then the
 * network's hourly ration. Used by the volunteer handshake and REST node registration alike, so neither
 * is a way around the other.
 */
import type { Db } from '../db';
import type { ProofOfWorkChallenge, ProofOfWorkSolution } from '../../protocol/proof-of-work';
import type { IdentitySigner } from './identity';
import { drawIdentity } from './identity-issuance';
import { ProofOfWorkGate } from './proof-of-work-gate';

export interface IssuanceConfig {
	perNetworkPerHour: number;
	powBits: number;
}

export type Admission =
	| { ok: true }
	| { ok: false; code: 'rate-limited'; error: string; retryAfterMs: number }
	| { ok: false; code: 'pow-required'; error: string; pow: ProofOfWorkChallenge };

/** One gate per signing key (so per hub): its spent-challenge memory must be shared by every caller. */
const gates = new WeakMap<IdentitySigner, ProofOfWorkGate>();

function gateOf(identities: IdentitySigner, bits: number): ProofOfWorkGate {
	let gate = gates.get(identities);
	if (!gate || gate.bits !== bits) gates.set(identities, (gate = new ProofOfWorkGate(identities.derive('proof-of-work'), bits)));
	return gate;
}

export async function admitNewIdentity(
	db: Db,
	identities: IdentitySigner,
	config: IssuanceConfig,
	network: string,
	pow: ProofOfWorkSolution | undefined
): Promise<Admission> {
	if (config.powBits > 0) {
		const gate = gateOf(identities, config.powBits);
		if (!pow) return { ok: false, code: 'pow-required', error: 'a new identity needs a proof of work', pow: gate.challenge() };
		if (!(await gate.accept(pow)))
			return { ok: false, code: 'pow-required', error: 'the proof of work is wrong, expired or already used', pow: gate.challenge() };
	}
	const drawn = await drawIdentity(db, network, config.perNetworkPerHour);
	if (!drawn.ok)
		return { ok: false, code: 'rate-limited', error: 'too many new identities from this network', retryAfterMs: drawn.retryAfterMs };
	return { ok: true };
}
