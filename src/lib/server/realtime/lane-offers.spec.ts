/**
 * The lane's choice among the sessions of this process (lane-offers.ts), on sessions whose offers the test
 * settles by hand: no database or socket is involved in the choice, only each session's load and the offers
 * in flight to it.
 */
import { describe, expect, it } from 'vitest';
import { LaneOffers, type LaneSession } from './lane-offers';
import { ClaimRider } from '../scheduler/claim-rider';

/** A session holding `held` leases (null: it could not take a task now), whose offers wait for `answer`. */
function session(held: number | null) {
	const waiting: ((taken: boolean) => void)[] = [];
	const s = {
		offered: 0,
		held,
		/** The rider each offer carried, as it was given. */
		riders: [] as (ClaimRider | undefined)[],
		offer(rider?: ClaimRider): Promise<boolean> {
			s.offered++;
			s.riders.push(rider);
			return new Promise<boolean>((resolve) => waiting.push(resolve));
		},
		load: () => s.held,
		/** Settles the oldest offer still waiting. */
		answer(taken: boolean) {
			waiting.shift()!(taken);
		}
	};
	return s satisfies LaneSession;
}

/** Lets the offers' promise steps run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('the lane offers', () => {
	it('spreads requests arriving together over the idle sessions instead of offering each to the same one', async () => {
		const offers = new LaneOffers();
		const a = session(0);
		const b = session(0);
		offers.set('a', a);
		offers.set('b', b);
		// Both requests chose their takers before either offer started: the same order for both.
		expect(offers.ready('embedding', 2)).toEqual(['a', 'b']);
		const first = offers.offer(['a', 'b'], 'embedding');
		await settle();
		expect([a.offered, b.offered]).toEqual([1, 0]);
		// An offer in flight counts as load, for a request choosing now and for one offering now.
		expect(offers.ready('embedding', 2)).toEqual(['b', 'a']);
		const second = offers.offer(['a', 'b'], 'embedding');
		await settle();
		expect([a.offered, b.offered]).toEqual([1, 1]);
		a.answer(true);
		b.answer(true);
		expect(await Promise.all([first, second])).toEqual([true, true]);
		// Settled: the offers no longer count.
		expect(offers.ready('embedding', 2)).toEqual(['a', 'b']);
	});

	it('offers to the next session when one declines, the least loaded first, and those that cannot take it now last', async () => {
		const offers = new LaneOffers();
		const busy = session(2);
		const unable = session(null);
		const idle = session(0);
		offers.set('busy', busy);
		offers.set('unable', unable);
		offers.set('idle', idle);
		const offered = offers.offer(['unable', 'busy', 'idle', 'elsewhere'], 'embedding');
		await settle();
		expect([idle.offered, busy.offered, unable.offered]).toEqual([1, 0, 0]);
		idle.answer(false);
		await settle();
		expect([idle.offered, busy.offered, unable.offered]).toEqual([1, 1, 0]);
		busy.answer(false);
		await settle();
		expect([idle.offered, busy.offered, unable.offered]).toEqual([1, 1, 1]);
		unable.answer(false);
		// Nobody here took it; 'elsewhere' (another hub process's) is not offered from here.
		expect(await offered).toBe(false);
	});

	it("gives a new job's insert to the first claim made, none after it, and settles it unused when no claim carried it", async () => {
		const offers = new LaneOffers();
		const a = session(0);
		const b = session(1);
		offers.set('a', a);
		offers.set('b', b);
		const rider = new ClaimRider(() => Promise.resolve());
		const offered = offers.offer(['a', 'b'], 'embedding', rider);
		await settle();
		expect(a.riders).toEqual([rider]);
		// The claim carrying it committed (the session's lease work settles it), and the volunteer declined the task:
		// the job is stored, so the next session's claim carries nothing.
		rider.rode();
		a.answer(false);
		await settle();
		expect(b.riders).toEqual([undefined]);
		b.answer(false);
		expect(await offered).toBe(false);
		expect(await rider.outcome).toBe('rode');

		// No session made a claim (each declined before claiming): the creator learns the job is not stored.
		const unused = new ClaimRider(() => Promise.resolve());
		const none = offers.offer(['a', 'b'], 'embedding', unused);
		await settle();
		a.answer(false);
		await settle();
		expect(b.riders.at(-1)).toBe(unused);
		b.answer(false);
		expect(await none).toBe(false);
		expect(unused.state).toBe('unused');
		expect(await unused.outcome).toBe('unused');
	});
});
