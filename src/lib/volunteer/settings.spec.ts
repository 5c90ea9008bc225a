import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsFromQuery } from './settings';
import { ANY_TIME } from './schedule';

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
		const overnight = { from: 22 * 60, to: 6 * 60 };
		expect(settingsFromQuery(q, saved)).toMatchObject({
			mode: 'auto',
			idleDuration: 60,
			batteryFloor: 0.3,
			resumeDelay: 5,
			maxCpu: 0.3,
			schedule: Array.from({ length: 7 }, () => overnight),
			maxTasks: 1
		});
		const bad = new URLSearchParams('idle_duration=0&battery_floor=120&resume_delay=-1&max_cpu=1&hours=9-9&max_tasks=17');
		expect(settingsFromQuery(bad, saved)).toEqual(saved);
		const set = { ...saved, schedule: Array.from({ length: 7 }, () => overnight) };
		expect(settingsFromQuery(new URLSearchParams('hours=any'), set).schedule).toEqual(ANY_TIME);
	});

	it('reads single days of the schedule over `hours`, and ignores a schedule it cannot read whole', () => {
		const q = new URLSearchParams('hours=9-17&schedule=sat:off,sun:any,mon:08:30-12:00');
		const nine = { from: 540, to: 1020 };
		expect(settingsFromQuery(q, saved).schedule).toEqual(['any', { from: 510, to: 720 }, nine, nine, nine, nine, 'off']);
		expect(settingsFromQuery(new URLSearchParams('schedule=sat:off,xyz:any'), saved).schedule).toEqual(ANY_TIME);
		expect(settingsFromQuery(new URLSearchParams('schedule=sat:25-3'), saved).schedule).toEqual(ANY_TIME);
	});

	it('reads the model and heat controls', () => {
		const q = new URLSearchParams('heat_limit=serious&models=demo-embedding,org/model&max_download_mb=250&allow_metered=1');
		expect(settingsFromQuery(q, saved)).toMatchObject({
			heatLimit: 'serious',
			models: ['demo-embedding', 'org/model'],
			maxDownloadMb: 250,
			allowMetered: true
		});
		const limited = settingsFromQuery(q, saved);
		expect(settingsFromQuery(new URLSearchParams('models=all&allow_metered=0'), limited)).toMatchObject({
			models: null,
			allowMetered: false
		});
		const bad = new URLSearchParams('heat_limit=warm&models=a,,b&max_download_mb=-1&allow_metered=yes');
		expect(settingsFromQuery(bad, saved)).toEqual(saved);
	});
});
