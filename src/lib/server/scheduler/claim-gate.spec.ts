import { describe, expect, it } from 'vitest';
import { ClaimGate } from './claim-gate';

/**
 * A gate whose groups end when the spec says: `groups` records each group as it starts, `end(n)` ends the
 * n-th (each member answered with its own name in capitals), `fail(n)` fails it.
 */
function gateOf(limit: number, max: number, refuse: (items: string[]) => boolean = () => false) {
	const groups: string[][] = [];
	const enders: ((fail?: Error) => void)[] = [];
	const gate = new ClaimGate<string, string>({ limit, max }, (items) => {
		groups.push(items);
		if (refuse(items)) return Promise.reject(new Error(`refused ${items.join(',')}`));
		return new Promise((resolve, reject) => enders.push((fail) => (fail ? reject(fail) : resolve(items.map((i) => i.toUpperCase())))));
	});
	return { gate, groups, end: (n: number) => enders[n](), fail: (n: number, e: Error) => enders[n](e) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ClaimGate', () => {
	it('claims at once, alone, while a turn is free; those waiting go in together when one ends, lane claims first', async () => {
		const { gate, groups, end } = gateOf(2, 8);
		const a = gate.claim('a', false);
		const b = gate.claim('b', false);
		const lane = gate.claim('lane', true);
		const c = gate.claim('c', false);
		const d = gate.claim('d', false);
		const lane2 = gate.claim('lane-2', true);
		await settle();
		// a and b take the two turns, lane the lane's own; the rest wait.
		expect(groups).toEqual([['a'], ['b'], ['lane']]);
		expect(gate.waiting).toBe(3);
		end(0);
		await settle();
		expect(groups[3]).toEqual(['lane-2', 'c', 'd']);
		expect(gate.waiting).toBe(0);
		[1, 2, 3].forEach(end);
		expect(await Promise.all([a, b, c, d, lane, lane2])).toEqual(['A', 'B', 'C', 'D', 'LANE', 'LANE-2']);
		// Every turn was given back: two go at once again, and a lane claim beside them.
		void gate.claim('e', false);
		void gate.claim('f', false);
		void gate.claim('lane-3', true);
		await settle();
		expect(groups.slice(-3)).toEqual([['e'], ['f'], ['lane-3']]);
	});

	it('keeps one more turn for lane claims alone, so a request does not wait behind a group of batch claims', async () => {
		const { gate, groups, end } = gateOf(1, 8);
		const batch = ['a', 'b', 'c'].map((n) => gate.claim(n, false));
		const lane = gate.claim('lane', true);
		await settle();
		// a has the one turn; lane goes at once in its own; b and c wait for a's.
		expect(groups).toEqual([['a'], ['lane']]);
		const second = gate.claim('lane-2', true);
		await settle();
		expect(gate.waiting).toBe(3);
		end(1);
		await settle();
		// The lane's turn takes the next lane claim only, leaving the batch claims to the other turn.
		expect(groups[2]).toEqual(['lane-2']);
		end(0);
		await settle();
		expect(groups[3]).toEqual(['b', 'c']);
		end(2);
		end(3);
		expect(await Promise.all([...batch, lane, second])).toEqual(['A', 'B', 'C', 'LANE', 'LANE-2']);
		expect(gate.waiting).toBe(0);
	});

	it('puts at most `max` claims in a group', async () => {
		const { gate, groups, end } = gateOf(1, 2);
		const all = ['a', 'b', 'c', 'd', 'e'].map((n) => gate.claim(n, false));
		await settle();
		end(0);
		await settle();
		end(1);
		await settle();
		end(2);
		expect(await Promise.all(all)).toEqual(['A', 'B', 'C', 'D', 'E']);
		expect(groups).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
	});

	it('claims a failed group again member by member, so only the claim that fails is refused', async () => {
		const { gate, groups, end } = gateOf(1, 8, (items) => items.includes('bad'));
		const first = gate.claim('first', false);
		// Settled as they come, so the refusal is never an unhandled rejection while the spec waits.
		const rest = ['x', 'bad', 'y'].map((n) =>
			gate.claim(n, false).then(
				(v) => v,
				(e: Error) => e
			)
		);
		await settle();
		end(0);
		await settle();
		// The group [x, bad, y] is refused; x and y then go alone (groups 3 and 5), and bad is refused alone.
		expect(groups.slice(1, 3)).toEqual([['x', 'bad', 'y'], ['x']]);
		end(1);
		await settle();
		expect(groups[3]).toEqual(['bad']);
		await settle();
		end(2);
		expect(await first).toBe('FIRST');
		expect(await rest[0]).toBe('X');
		expect(await rest[1]).toEqual(new Error('refused bad'));
		expect(await rest[2]).toBe('Y');
		expect(gate.waiting).toBe(0);
	});

	it('with no limit, claims every request at once and alone', async () => {
		const { gate, groups, end } = gateOf(0, 8);
		const all = ['a', 'b', 'c'].map((n) => gate.claim(n, false));
		await settle();
		expect(groups).toEqual([['a'], ['b'], ['c']]);
		[0, 1, 2].forEach(end);
		expect(await Promise.all(all)).toEqual(['A', 'B', 'C']);
	});
});
