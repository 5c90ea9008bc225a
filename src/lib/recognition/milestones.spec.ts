import { describe, expect, it } from 'vitest';
import { badges, nextMilestones, reached, shortNumber, STREAK_CAP_DAYS } from './milestones';

describe('milestones', () => {
	it('reaches a threshold exactly at it, not below', () => {
		expect(reached({ credit: 99.9, results: 9, streak: 2 })).toEqual([]);
		expect(reached({ credit: 100, results: 10, streak: 3 }).map((m) => m.label)).toEqual(['100 credit', '10 results', '3-day streak']);
	});

	it('lists every milestone reached, and badges only the highest of each kind', () => {
		const a = { credit: 12_345, results: 150, streak: 8 };
		expect(reached(a).map((m) => m.label)).toEqual([
			'100 credit',
			'1k credit',
			'10k credit',
			'10 results',
			'100 results',
			'3-day streak',
			'7-day streak'
		]);
		expect(badges(a).map((m) => [m.kind, m.threshold])).toEqual([
			['credit', 10_000],
			['results', 100],
			['streak', 7]
		]);
	});

	it('says how far along the next milestone of each kind is, and nothing past the last', () => {
		expect(nextMilestones({ credit: 250, results: 0, streak: 1 })).toEqual([
			{ kind: 'credit', threshold: 1000, label: '1k credit', progress: 0.25 },
			{ kind: 'results', threshold: 10, label: '10 results', progress: 0 },
			{ kind: 'streak', threshold: 3, label: '3-day streak', progress: 1 / 3 }
		]);
		expect(nextMilestones({ credit: 5e6, results: 5e6, streak: STREAK_CAP_DAYS })).toEqual([]);
	});

	it('writes thresholds short', () => {
		expect([shortNumber(100), shortNumber(10_000), shortNumber(1_000_000)]).toEqual(['100', '10k', '1M']);
	});
});
