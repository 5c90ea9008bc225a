import { describe, expect, it } from 'vitest';
import { ClaimGate } from './claim-gate';
import { DatabaseTimeout, isConnectionLoss } from '../db/reach';

/**
 * A gate whose groups end when the spec says: `groups` records each group as it starts, `end(n)` ends the
 * n-th (each member answered with its own name in capitals), `fail(n)` fails it. `abandoned` records what
 * groups past `deadlineMs` claimed when they ended.
 */
function gateOf(limit: number, max: number, refuse: (items: string[]) => boolean = () => false, deadlineMs = 60_000) {
	const groups: string[][] = [];
	const enders: ((fail?: Error) => void)[] = [];
	const abandoned: [string[], string[]][] = [];
	const options = { limit, max, deadlineMs, abandoned: (items: string[], outcomes: string[]) => abandoned.push([items, outcomes]) };
	const gate = new ClaimGate<string, string>(options, (items) => {
		groups.push(items);
		if (refuse(items)) return Promise.reject(new Error(`refused ${items.join(',')}`));
		return new Promise((resolve, reject) => enders.push((fail) => (fail ? reject(fail) : resolve(items.map((i) => i.toUpperCase())))));
	});
	return { gate, groups, abandoned, end: (n: number) => enders[n](), fail: (n: number, e: Error) => enders[n](e) };
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

	it('gives the turn back when a group has no answer by its deadline, and hands what it claims later to `abandoned`', async () => {
		const { gate, groups, abandoned, end } = gateOf(1, 8, () => false, 50);
		const outcome = (p: Promise<string>) =>
			p.then(
				(v) => v,
				(e: Error) => e
			);
		// The first group's connection went silent; two claims queue behind it.
		const stuck = outcome(gate.claim('a', false));
		await settle();
		const behind = ['b', 'c'].map((n) => outcome(gate.claim(n, false)));
		await settle();
		expect(groups).toEqual([['a']]);
		// Past the deadline a is refused as a lost connection (its volunteer tries again), not retried here, and b and c go in.
		const refused = await stuck;
		expect(refused).toBeInstanceOf(DatabaseTimeout);
		expect(isConnectionLoss(refused)).toBe(true);
		await settle();
		expect(groups).toEqual([['a'], ['b', 'c']]);
		end(1);
		expect(await Promise.all(behind)).toEqual(['B', 'C']);
		// When the silent group does end, nobody is waiting for what it claimed: it goes to `abandoned`, once.
		expect(abandoned).toEqual([]);
		end(0);
		await settle();
		expect(abandoned).toEqual([[['a'], ['A']]]);
		expect(gate.waiting).toBe(0);
	});

	it('refuses a whole group past its deadline at once rather than member by member', async () => {
		const { gate, groups, end } = gateOf(1, 8, () => false, 50);
		const first = gate.claim('first', false);
		await settle();
		const group = ['x', 'y'].map((n) =>
			gate.claim(n, false).then(
				(v) => v,
				(e: Error) => e
			)
		);
		end(0);
		expect(await first).toBe('FIRST');
		await settle();
		expect(groups[1]).toEqual(['x', 'y']);
		for (const e of await Promise.all(group)) expect(e).toBeInstanceOf(DatabaseTimeout);
		// Nobody claimed x or y alone after the group timed out.
		expect(groups).toHaveLength(2);
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
