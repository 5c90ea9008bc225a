/**
 * What a settled chunk tells (work-announce.ts): new work is announced however it was queued, so waiting
 * volunteers are nudged and the feeder takes it in its turn. The notifier here records what it is told: the
 * one boundary of announce(), implemented in the test.
 */
import { describe, expect, it } from 'vitest';
import type { Notifier } from '../notifier';
import { announce } from './work-announce';
import { FinishChecks } from './finish-checks';

function recording() {
	const told: (number | undefined)[] = [];
	const notify = { workAvailable: (tasks?: number) => told.push(tasks) } as unknown as Notifier;
	return { notify, told, finishing: new FinishChecks(async () => {}) };
}

describe('announce', () => {
	it('announces a spawned replica and the re-checks a verdict queued, and nothing when nothing was queued', async () => {
		const { notify, told, finishing } = recording();
		await announce(notify, finishing, 'job', { outcome: 'spawned' });
		// A known-answer check or a re-check caught a liar: what it had accepted alone is queued again.
		await announce(notify, finishing, 'job', { outcome: 'already', rechecks: 3 });
		await announce(notify, finishing, 'job', { outcome: 'waiting' });
		await announce(notify, finishing, 'job', { outcome: 'already', rechecks: 0 });
		await announce(notify, finishing, 'job', null);
		expect(told).toEqual([1, 3]);
	});
});
