/**
 * Proof of work for a new identity (hashcash): the hub hands out a signed challenge and the client finds a
 * nonce so that sha256(challenge + nonce) starts with `bits` zero bits. Checking costs the hub one hash;
 * finding costs the client about 2^bits. Shared by the hub (checking) and both volunteers (solving):
 * WebCrypto's subtle.digest is the same in Node 20 and browsers.
 */
import { z } from 'zod';

export const ProofOfWorkChallenge = z.object({
	/** Opaque to the client: the hub's signed, expiring token. */
	challenge: z.string().min(1).max(200),
	bits: z.number().int().min(1).max(32)
});
export type ProofOfWorkChallenge = z.infer<typeof ProofOfWorkChallenge>;

export const ProofOfWorkSolution = z.object({
	challenge: z.string().min(1).max(200),
	nonce: z.string().min(1).max(32)
});
export type ProofOfWorkSolution = z.infer<typeof ProofOfWorkSolution>;

const encoder = new TextEncoder();

/** Leading zero bits of sha256(challenge + nonce). */
export async function workOf(challenge: string, nonce: string): Promise<number> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(challenge + nonce)));
	let bits = 0;
	for (const byte of digest) {
		if (byte === 0) {
			bits += 8;
			continue;
		}
		return bits + Math.clz32(byte) - 24;
	}
	return bits;
}

/** Finds a nonce for `challenge`; yields to the event loop now and then so a page stays responsive. */
export async function solveProofOfWork({ challenge, bits }: ProofOfWorkChallenge): Promise<ProofOfWorkSolution> {
	for (let n = 0; ; n++) {
		const nonce = n.toString(36);
		if ((await workOf(challenge, nonce)) >= bits) return { challenge, nonce };
		if (n % 4096 === 4095) await new Promise((r) => setTimeout(r, 0));
	}
}
