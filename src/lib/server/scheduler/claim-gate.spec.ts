import { describe, expect, it } from 'vitest';
import { ClaimGate } from './claim-gate';

/** A claim that ends when the spec says, recording when it started. */
function held(order: string[], name: string) {
	let end!: (fail?: Error) => void;
	const done = new Promise<string>((resolve, reject) => (end = (fail) => (fail ? reject(fail) : resolve(name))));
	return {
		claim: () => {
			order.push(name);
			return done;
		},
		end
	};
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ClaimGate', () => {
	it('runs at most `limit` claims at once, the next starting as one ends, a lane claim ahead of batch ones', async () => {
		const gate = new ClaimGate(2);
		const order: string[] = [];
		const [a, b, c, d, lane] = ['a', 'b', 'c', 'd', 'lane'].map((n) => held(order, n));
		const runs = [gate.run(false, a.claim), gate.run(false, b.claim), gate.run(false, c.claim), gate.run(false, d.claim)];
		const laneRun = gate.run(true, lane.claim);
		await settle();
		expect(order).toEqual(['a', 'b']);
		expect(gate.waiting).toBe(3);
		a.end();
		await settle();
		expect(order).toEqual(['a', 'b', 'lane']);
		// A failed claim gives its turn back too.
		b.end(new Error('serialization failure'));
		await expect(runs[1]).rejects.toThrow('serialization failure');
		await settle();
		expect(order).toEqual(['a', 'b', 'lane', 'c']);
		lane.end();
		c.end();
		await settle();
		d.end();
		expect(await Promise.all([runs[0], runs[2], runs[3], laneRun])).toEqual(['a', 'c', 'd', 'lane']);
		expect(gate.waiting).toBe(0);
		// Every turn was given back: two run at once again.
		const [e, f] = ['e', 'f'].map((n) => held(order, n));
		void gate.run(false, e.claim);
		void gate.run(false, f.claim);
		await settle();
		expect(order.slice(-2)).toEqual(['e', 'f']);
	});

	it('with no limit (0), runs every claim at once', async () => {
		const gate = new ClaimGate(0);
		const order: string[] = [];
		const claims = ['a', 'b', 'c'].map((n) => held(order, n));
		claims.forEach((c) => void gate.run(false, c.claim));
		await settle();
		expect(order).toEqual(['a', 'b', 'c']);
		expect(gate.waiting).toBe(0);
	});
});
