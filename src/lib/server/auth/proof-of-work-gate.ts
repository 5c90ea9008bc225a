/**
 * The hub's side of proof of work for new identities (protocol/proof-of-work.ts): challenges are
 * `<expiry>.<random>.<HMAC>`, so the hub keeps nothing per challenge it hands out (a flood of handshakes
 * costs it no memory) and every hub process sharing the identity key accepts the others' challenges.
 * A solved challenge is remembered until it expires, so one solution buys one identity per process.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { workOf, type ProofOfWorkChallenge, type ProofOfWorkSolution } from '../../protocol/proof-of-work';

export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export class ProofOfWorkGate {
	/** Solutions accepted, by challenge, until their expiry (then replaying them fails on the expiry anyway). */
	private readonly spent = new Map<string, number>();

	constructor(
		private readonly key: Buffer,
		readonly bits: number,
		private readonly ttlMs = CHALLENGE_TTL_MS
	) {}

	challenge(now = Date.now()): ProofOfWorkChallenge {
		const body = `${now + this.ttlMs}.${randomBytes(12).toString('base64url')}`;
		return { challenge: `${body}.${this.sign(body)}`, bits: this.bits };
	}

	/** Whether `solution` is this hub's unexpired, unspent challenge with enough work; a good one is spent. */
	async accept(solution: ProofOfWorkSolution, now = Date.now()): Promise<boolean> {
		const { challenge, nonce } = solution;
		const dot = challenge.lastIndexOf('.');
		const body = challenge.slice(0, dot);
		const given = Buffer.from(challenge.slice(dot + 1));
		const expected = Buffer.from(this.sign(body));
		if (dot <= 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
		const expiresAt = Number(body.split('.')[0]);
		if (!(expiresAt > now) || this.spent.has(challenge)) return false;
		if ((await workOf(challenge, nonce)) < this.bits) return false;
		this.forgetExpired(now);
		this.spent.set(challenge, expiresAt);
		return true;
	}

	private forgetExpired(now: number) {
		for (const [c, expiresAt] of this.spent) if (expiresAt <= now) this.spent.delete(c);
	}

	private sign(body: string) {
		return createHmac('sha256', this.key).update(`pow:${body}`).digest('base64url');
	}
}
