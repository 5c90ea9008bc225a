import { describe, expect, it } from 'vitest';
import { migrateSettings } from './settings-store';
import { ANY_TIME } from './schedule';

describe('saved settings', () => {
	it('bring an older version’s hours into the weekly schedule', () => {
		const nine = { from: 540, to: 1020 };
		expect(migrateSettings({ mode: 'auto', hours: { from: 9, to: 17 } })).toEqual({ mode: 'auto', schedule: Array(7).fill(nine) });
		expect(migrateSettings({ hours: null })).toEqual({ schedule: ANY_TIME });
		// A schedule saved since wins over the old hours left beside it.
		const week = ['off', nine, nine, nine, nine, nine, 'off'];
		expect(migrateSettings({ hours: { from: 1, to: 2 }, schedule: week })).toEqual({ schedule: week });
	});

	it('drop what does not validate, field by field, keeping the rest', () => {
		expect(
			migrateSettings({
				mode: 'turbo',
				maxCpu: 0.5,
				schedule: ['any'],
				heatLimit: 'serious',
				models: ['a', 42],
				maxDownloadMb: -1,
				allowMetered: true,
				extra: 'ignored'
			})
		).toEqual({ maxCpu: 0.5, heatLimit: 'serious', allowMetered: true });
		expect(migrateSettings(undefined)).toEqual({});
	});
});
