import { describe, expect, it } from 'vitest';
import { DutyGovernor } from './duty-governor';
import { dutyCycled, inSlices, PartialAbort } from './slices';

/** Busy-waits `ms` of real CPU time, as a model slice would. */
const burn = (ms: number) => {
	const end = performance.now() + ms;
	while (performance.now() < end);
};

describe('inSlices', () => {
	it('keeps the finished slices when aborted, and stops at the next slice', async () => {
		const controller = new AbortController();
		const inputs = Array.from({ length: 40 }, (_, i) => String(i));
		const run = inSlices(inputs, { signal: controller.signal }, async (slice) => {
			if (slice[0] === '16') controller.abort();
			return slice.map(Number);
		});
		const error = await run.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PartialAbort);
		expect((error as PartialAbort).name).toBe('AbortError');
		expect((error as PartialAbort).outputs).toEqual(Array.from({ length: 24 }, (_, i) => i));
	});

	it('says once, just before it, that the last slice is starting', async () => {
		for (const [count, stride, expected] of [
			[20, 8, 16],
			[8, 8, 0],
			[3, 1, 2]
		] as const) {
			const events: string[] = [];
			await dutyCycled(
				count,
				{ onLastSlice: () => events.push('last') },
				async (start) => (events.push(`slice ${start}`), [start]),
				stride
			);
			expect(events.filter((e) => e === 'last')).toHaveLength(1);
			expect(events[events.indexOf('last') + 1]).toBe(`slice ${expected}`);
		}
	});

	/** The share of wall time spent computing `slices` slices of `sliceMs` each at `dutyCycle`. */
	const busyShare = async (slices: number, sliceMs: number, dutyCycle: number) => {
		let busy = 0;
		const started = performance.now();
		await dutyCycled(slices, { dutyCycle, onBusy: (ms) => (busy += ms) }, async () => (burn(sliceMs), [0]), 1);
		return busy / (performance.now() - started);
	};

	it('keeps the busy share at the duty cycle', async () => {
		const share = await busyShare(20, 15, 0.3);
		expect(share).toBeGreaterThan(0.2);
		expect(share).toBeLessThanOrEqual(0.33);
	});

	it('keeps slices shorter than a timer at the duty cycle too', async () => {
		// 1 ms slices owe 0.1 ms of rest each at 90 %, less than any timer sleeps: the rest is saved up.
		const share = await busyShare(400, 1, 0.9);
		expect(share).toBeGreaterThan(0.8);
		// Over this 0.4 s run the cap can be off by one MIN_REST_MS of rest taken early or still owed.
		expect(share).toBeLessThanOrEqual(0.95);
	});

	it('wakes from a duty-cycle pause at once when aborted', async () => {
		const controller = new AbortController();
		const run = dutyCycled(5, { dutyCycle: 0.01, signal: controller.signal }, async () => (burn(20), [1]), 1);
		setTimeout(() => controller.abort(), 50);
		const started = performance.now();
		const error = await run.catch((e: unknown) => e);
		expect(performance.now() - started).toBeLessThan(500);
		expect((error as PartialAbort).outputs).toEqual([1]);
	});

	it('keeps five tasks of one worker under one cap together, and lets a queued one stop at once', async () => {
		const governor = new DutyGovernor();
		let busy = 0;
		const started = performance.now();
		const controller = new AbortController();
		const ctx = { dutyCycle: 0.3, governor, onBusy: (ms: number) => (busy += ms) };
		const tasks = Array.from({ length: 5 }, (_, i) =>
			dutyCycled(6, { ...ctx, signal: i === 4 ? controller.signal : undefined }, async () => (burn(10), [i]), 1)
		);
		setTimeout(() => controller.abort(), 60);
		const settled = await Promise.allSettled(tasks);
		const share = busy / (performance.now() - started);
		expect(share).toBeGreaterThan(0.2);
		expect(share).toBeLessThanOrEqual(0.33);
		expect(settled.slice(0, 4).every((r) => r.status === 'fulfilled')).toBe(true);
		expect(settled[4]).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
	});

	it('gives an urgent task the worker from its first slice to its last: a batch task finishes its slice, then waits', async () => {
		const governor = new DutyGovernor();
		const order: string[] = [];
		const slice = (name: string) => async () => (order.push(name), await new Promise((r) => setTimeout(r, 5)), [name]);
		let batchStep = 0;
		const batch = dutyCycled(6, { governor }, () => slice(`batch${batchStep++}`)(), 1);
		// Arrives while the batch task computes its first slice.
		await new Promise((r) => setTimeout(r, 2));
		let urgentStep = 0;
		const urgent = dutyCycled(3, { governor, urgent: true }, () => slice(`urgent${urgentStep++}`)(), 1);
		await Promise.all([batch, urgent]);
		expect(order).toEqual(['batch0', 'urgent0', 'urgent1', 'urgent2', 'batch1', 'batch2', 'batch3', 'batch4', 'batch5']);
	});
});
