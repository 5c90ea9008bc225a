import { describe, expect, it } from 'vitest';
import { JobEnds, type JobWatch } from './job-ends';

const settled = async (w: JobWatch) => Promise.race([w.changed().then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);

describe('JobEnds', () => {
	it('wakes every watcher of the job that ended, and no other', async () => {
		const ends = new JobEnds();
		const [a1, a2, b] = [ends.watch('a', 1), ends.watch('a', 1), ends.watch('b', 1)];
		ends.ended('a');
		expect(await settled(a1)).toBe(true);
		expect(a1.hasEnded && a2.hasEnded).toBe(true);
		expect(await settled(a2)).toBe(true);
		expect(await settled(b)).toBe(false);
		expect(b.hasEnded).toBe(false);
	});

	it('answers with every input accepted, in input order, once the last chunk is in', async () => {
		const ends = new JobEnds();
		const w = ends.watch('a', 5);
		ends.accepted('a', { firstInput: 3, outputs: ['d', 'e'] });
		expect(w.outputs).toBeNull();
		expect(await settled(w)).toBe(false);
		// The same chunk heard twice fills nothing more.
		ends.accepted('a', { firstInput: 3, outputs: ['d', 'e'] });
		ends.accepted('a', { firstInput: 0, outputs: ['a', 'b'] });
		expect(w.outputs).toBeNull();
		ends.accepted('b', { firstInput: 2, outputs: ['not a'] });
		expect(w.outputs).toBeNull();
		ends.accepted('a', { firstInput: 2, outputs: ['c'] });
		expect(await settled(w)).toBe(true);
		expect(w.outputs).toEqual(['a', 'b', 'c', 'd', 'e']);
	});

	it('places nothing from a chunk beyond the job, and remembers a word that came while nobody waited', async () => {
		const ends = new JobEnds();
		const w = ends.watch('a', 2);
		ends.accepted('a', { firstInput: 1, outputs: ['x', 'y'] });
		ends.accepted('a', { firstInput: -1, outputs: ['x'] });
		expect(w.outputs).toBeNull();
		ends.accepted('a', { firstInput: 0, outputs: ['a', 'b'] });
		// Heard before anyone called changed(): the next call returns at once, and only that one.
		expect(await settled(w)).toBe(true);
		expect(await settled(w)).toBe(false);
		expect(w.outputs).toEqual(['a', 'b']);
	});

	it('forgets a closed watch, so nothing piles up', async () => {
		const ends = new JobEnds();
		const w = ends.watch('a', 1);
		w.close();
		ends.ended('a');
		expect(w.hasEnded).toBe(false);
		const later = ends.watch('a', 1);
		ends.ended('a');
		expect(await settled(later)).toBe(true);
		later.close();
		expect((ends as unknown as { watches: Map<string, unknown> }).watches.size).toBe(0);
	});
});
