import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, nextAttemptAt } from './backoff';
import { DELIVERY_WINDOW_MS } from './events';

const created = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(created.getTime() + ms);
const middle = () => 0.5;

describe('nextAttemptAt', () => {
	it('doubles the delay with each failed try, from the base', () => {
		const delays = [1, 2, 3, 4, 5].map((n) => nextAttemptAt(created, n, created, 1000, middle)!.getTime() - created.getTime());
		expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
	});

	it('jitters each delay within ±20 %', () => {
		expect(nextAttemptAt(created, 3, created, 1000, () => 0)!.getTime() - created.getTime()).toBe(3200);
		const longest = nextAttemptAt(created, 3, created, 1000, () => 0.999999)!.getTime() - created.getTime();
		expect(longest).toBeGreaterThan(4790);
		expect(longest).toBeLessThanOrEqual(4800);
	});

	it('never waits more than an hour between tries', () => {
		expect(nextAttemptAt(created, 40, created, 30_000, middle)!.getTime() - created.getTime()).toBe(MAX_RETRY_DELAY_MS);
	});

	it('gives up once the next try would fall past 24 h from the event', () => {
		expect(nextAttemptAt(created, 10, at(DELIVERY_WINDOW_MS - 60 * 60 * 1000), 30_000, () => 0)).not.toBeNull();
		expect(nextAttemptAt(created, 30, at(DELIVERY_WINDOW_MS - 1000), 30_000, middle)).toBeNull();
	});

	it('keeps trying for about a day with the default base: the schedule reaches past 23 h before giving up', () => {
		let now = created;
		let attempts = 0;
		for (;;) {
			const next = nextAttemptAt(created, ++attempts, now, 30_000, middle);
			if (!next) break;
			now = next;
		}
		expect(now.getTime() - created.getTime()).toBeGreaterThan(23 * 60 * 60 * 1000);
		expect(now.getTime() - created.getTime()).toBeLessThanOrEqual(DELIVERY_WINDOW_MS);
		expect(attempts).toBeGreaterThan(20);
	});
});
