import { describe, expect, it } from 'vitest';
import { TextRelay } from './text-relay';
import { ManualClock } from './testing';

function relay() {
	const clock = new ManualClock();
	const sent: [number, number, string][] = [];
	return { clock, sent, relay: new TextRelay((i, offset, text) => sent.push([i, offset, text]), clock, 50) };
}

describe('TextRelay', () => {
	it('sends a stream’s first text at once, then at most every interval, each piece at its offset', async () => {
		const { clock, sent, relay: r } = relay();
		r.push(0, 'Hel');
		// The first token does not wait out an interval: a waiting client's time to first token is made of it.
		expect(sent).toEqual([[0, 0, 'Hel']]);
		r.push(0, 'lo');
		r.push(1, 'Bon');
		await clock.advance(49);
		expect(sent).toHaveLength(1);
		await clock.advance(1);
		expect(sent).toEqual([
			[0, 0, 'Hel'],
			[0, 3, 'lo'],
			[1, 0, 'Bon']
		]);
		// Within the interval after a send, text waits for its end.
		r.push(0, ',');
		expect(sent).toHaveLength(3);
		await clock.advance(50);
		expect(sent.at(-1)).toEqual([0, 5, ',']);
		// After a quiet interval, the next text goes at once again.
		await clock.advance(200);
		r.push(1, 'jour');
		expect(sent.at(-1)).toEqual([1, 3, 'jour']);
	});

	it('flushes what waits before the result, and sends nothing once cancelled', async () => {
		const { clock, sent, relay: r } = relay();
		r.push(0, 'a');
		r.push(0, 'b');
		r.flush();
		expect(sent).toEqual([
			[0, 0, 'a'],
			[0, 1, 'b']
		]);
		r.push(0, 'c');
		r.cancel();
		await clock.advance(1000);
		expect(sent).toHaveLength(2);
	});
});
