import { describe, expect, it } from 'vitest';
import { ANY_TIME, parseDayHours, scheduleAllows, scheduleBlocker, scheduleFromHours, type WeeklySchedule } from './schedule';

/** 2026-01-05 is a Monday. */
const at = (day: number, h: number, m = 0) => new Date(2026, 0, 4 + day, h, m);

describe('the weekly schedule', () => {
	it('reads a day’s hours as the owner types them', () => {
		expect(parseDayHours('9-17')).toEqual({ from: 540, to: 1020 });
		expect(parseDayHours(' 09:30 – 17:05 ')).toEqual({ from: 570, to: 1025 });
		expect(parseDayHours('22-6')).toEqual({ from: 1320, to: 360 });
		expect(parseDayHours('')).toBe('any');
		expect(parseDayHours('OFF')).toBe('off');
		for (const bad of ['9-9', '25-3', '9:60-10', 'nine to five', '9']) expect(parseDayHours(bad)).toBeUndefined();
	});

	it('allows today’s span, and last night’s running on into this morning', () => {
		const week: WeeklySchedule = ['off', { from: 540, to: 1020 }, 'any', 'off', 'off', { from: 1320, to: 360 }, 'off'];
		expect([8, 9, 16, 17].map((h) => scheduleAllows(week, at(1, h)))).toEqual([false, true, true, false]);
		expect(scheduleAllows(week, at(2, 3))).toBe(true);
		expect(scheduleAllows(week, at(3, 12))).toBe(false);
		// Friday 22:00–06:00: Friday night and Saturday until six, though Saturday itself is off.
		expect([21, 22, 23].map((h) => scheduleAllows(week, at(5, h)))).toEqual([false, true, true]);
		expect([5, 6].map((h) => scheduleAllows(week, at(6, h)))).toEqual([true, false]);
		expect(scheduleBlocker(week, at(1, 8))).toBe('outside your schedule (Mon 09:00–17:00)');
		expect(scheduleBlocker(week, at(0, 8))).toBe('outside your schedule (Sun off)');
		expect(scheduleBlocker(week, at(1, 10))).toBeNull();
	});

	it('keeps the meaning of the old single hours setting', () => {
		expect(scheduleFromHours(null)).toEqual(ANY_TIME);
		const overnight = scheduleFromHours({ from: 22, to: 6 });
		// The old rule: allowed at h when h >= 22 or h < 6, every day.
		for (let day = 0; day < 7; day++) for (let h = 0; h < 24; h++) expect(scheduleAllows(overnight, at(day, h, 30))).toBe(h >= 22 || h < 6);
		const evening = scheduleFromHours({ from: 20, to: 24 });
		expect([19, 20, 23].map((h) => scheduleAllows(evening, at(3, h, 59)))).toEqual([false, true, true]);
	});
});
