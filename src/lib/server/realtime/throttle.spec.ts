import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle';

describe('throttle', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('calls at once, folds a burst within the window into one call at its end, and loses no last call', () => {
		const fn = vi.fn();
		const nudge = throttle(250, fn);
		nudge();
		expect(fn).toHaveBeenCalledTimes(1);
		for (let i = 0; i < 100; i++) nudge();
		expect(fn).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(250);
		expect(fn).toHaveBeenCalledTimes(2);
		vi.advanceTimersByTime(1000);
		expect(fn).toHaveBeenCalledTimes(2);
		nudge();
		expect(fn).toHaveBeenCalledTimes(3);
	});

	it('sends nothing after cancel', () => {
		const fn = vi.fn();
		const nudge = throttle(250, fn);
		nudge();
		nudge();
		nudge.cancel();
		vi.advanceTimersByTime(1000);
		expect(fn).toHaveBeenCalledTimes(1);
	});
});
