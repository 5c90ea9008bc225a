import { describe, expect, it } from 'vitest';
import { JobEnds } from './job-ends';

const settled = async (p: Promise<void>) => Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);

describe('JobEnds', () => {
	it('wakes every waiter of the job that ended, and no other', async () => {
		const ends = new JobEnds();
		const [a1, a2, b] = [ends.next('a'), ends.next('a'), ends.next('b')];
		ends.ended('a');
		expect(await settled(a1.ended)).toBe(true);
		expect(await settled(a2.ended)).toBe(true);
		expect(await settled(b.ended)).toBe(false);
	});

	it('forgets a cancelled waiter and an ended job, so nothing piles up', async () => {
		const ends = new JobEnds();
		const waiter = ends.next('a');
		waiter.cancel();
		ends.ended('a');
		expect(await settled(waiter.ended)).toBe(false);
		const later = ends.next('a');
		expect(await settled(later.ended)).toBe(false);
		ends.ended('a');
		expect(await settled(later.ended)).toBe(true);
		expect((ends as unknown as { waiters: Map<string, unknown> }).waiters.size).toBe(0);
	});
});
