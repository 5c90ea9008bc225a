import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseHours, settingsFromQuery, withinHours } from './settings';

describe('settingsFromQuery', () => {
	const saved = { ...DEFAULT_SETTINGS, mode: 'paused', backend: 'wasm', threads: 3, modelBudgetMb: 800 } as const;

	it('keeps the saved settings where the query says nothing', () => {
		expect(settingsFromQuery(new URLSearchParams(''), saved)).toEqual(saved);
		expect(settingsFromQuery(new URLSearchParams(''))).toEqual(DEFAULT_SETTINGS);
	});

	it('lets the query override them for this visit', () => {
		expect(settingsFromQuery(new URLSearchParams('mode=always&backend=auto&threads=2&model_budget_mb=1.5'), saved)).toEqual({
			...DEFAULT_SETTINGS,
			mode: 'always',
			backend: 'auto',
			threads: 2,
			modelBudgetMb: 1.5
		});
	});

	it('ignores bad values', () => {
		const bad = new URLSearchParams('mode=turbo&backend=cuda&threads=0&model_budget_mb=-5');
		expect(settingsFromQuery(bad, saved)).toEqual(saved);
		expect(settingsFromQuery(new URLSearchParams('threads=2.5&model_budget_mb=abc'), saved)).toEqual(saved);
		expect(settingsFromQuery(new URLSearchParams('threads=65&model_budget_mb=1e12'), saved)).toEqual(saved);
	});

	it('reads the readiness settings, percentages as 0–100', () => {
		const q = new URLSearchParams('mode=auto&idle_duration=60&battery_floor=30&resume_delay=5&max_cpu=30&hours=22-6&max_tasks=1');
		expect(settingsFromQuery(q, saved)).toMatchObject({
			mode: 'auto',
			idleDuration: 60,
			batteryFloor: 0.3,
			resumeDelay: 5,
			maxCpu: 0.3,
			hours: { from: 22, to: 6 },
			maxTasks: 1
		});
		const bad = new URLSearchParams('idle_duration=0&battery_floor=120&resume_delay=-1&max_cpu=1&hours=9-9&max_tasks=17');
		expect(settingsFromQuery(bad, saved)).toEqual(saved);
		expect(settingsFromQuery(new URLSearchParams('hours=any'), { ...saved, hours: { from: 1, to: 2 } }).hours).toBeNull();
	});

	it('tells whether an hour is allowed, overnight ranges included', () => {
		const at = (h: number) => new Date(2026, 0, 1, h, 30);
		expect(parseHours('9-17')).toEqual({ from: 9, to: 17 });
		expect(parseHours('x')).toBeUndefined();
		expect([8, 9, 16, 17].map((h) => withinHours({ from: 9, to: 17 }, at(h)))).toEqual([false, true, true, false]);
		expect([21, 22, 5, 6].map((h) => withinHours({ from: 22, to: 6 }, at(h)))).toEqual([false, true, true, false]);
		expect(withinHours(null, at(3))).toBe(true);
	});
});
