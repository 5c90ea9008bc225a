import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsFromQuery } from './settings';

describe('settingsFromQuery', () => {
	const saved = { mode: 'paused', backend: 'wasm', threads: 3, modelBudgetMb: 800 } as const;

	it('keeps the saved settings where the query says nothing', () => {
		expect(settingsFromQuery(new URLSearchParams(''), saved)).toEqual(saved);
		expect(settingsFromQuery(new URLSearchParams(''))).toEqual(DEFAULT_SETTINGS);
	});

	it('lets the query override them for this visit', () => {
		expect(settingsFromQuery(new URLSearchParams('mode=always&backend=auto&threads=2&model_budget_mb=1.5'), saved)).toEqual({
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
});
