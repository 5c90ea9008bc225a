import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { solveProofOfWork, workOf } from '../../protocol/proof-of-work';
import { ProofOfWorkGate } from './proof-of-work-gate';

describe('proof of work', () => {
	it('counts leading zero bits of sha256(challenge + nonce)', async () => {
		const solution = await solveProofOfWork({ challenge: 'abc', bits: 12 });
		expect(await workOf(solution.challenge, solution.nonce)).toBeGreaterThanOrEqual(12);
	});

	it('accepts its own unexpired challenge once, with enough work', async () => {
		const gate = new ProofOfWorkGate(randomBytes(32), 8, 1000);
		const challenge = gate.challenge(0);
		const solution = await solveProofOfWork(challenge);
		expect(await gate.accept(solution, 500)).toBe(true);
		expect(await gate.accept(solution, 600)).toBe(false);
	});

	it('refuses an expired challenge, another key’s, and too little work', async () => {
		const gate = new ProofOfWorkGate(randomBytes(32), 8, 1000);
		expect(await gate.accept(await solveProofOfWork(gate.challenge(0)), 1000)).toBe(false);
		const other = new ProofOfWorkGate(randomBytes(32), 8, 1000);
		expect(await gate.accept(await solveProofOfWork(other.challenge(0)), 10)).toBe(false);
		const hard = new ProofOfWorkGate(randomBytes(32), 20, 1000);
		const { challenge } = hard.challenge(0);
		let nonce = 0;
		while ((await workOf(challenge, String(nonce))) >= 20) nonce++; // a nonce short of the work asked for
		expect(await hard.accept({ challenge, nonce: String(nonce) }, 10)).toBe(false);
	});
});
