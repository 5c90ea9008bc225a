/**
 * The owner's weekly schedule: for each day of the week (local time), whether this machine may compute
 * all day, not at all, or between two times. A span whose end comes before its start runs past midnight
 * into the next morning (Fri 22:00–06:00 covers Saturday until six), as the old single `hours` setting did.
 */
import { z } from 'zod';

const MINUTES_A_DAY = 1440;

const Span = z
	.object({ from: z.number().int().min(0).max(MINUTES_A_DAY), to: z.number().int().min(0).max(MINUTES_A_DAY) })
	.refine((s) => s.from !== s.to, 'a span must not be empty');
/** `any`: all day; `off`: not that day; a span: minutes after midnight, from (inclusive) to (exclusive). */
export const DayHours = z.union([z.literal('any'), z.literal('off'), Span]);
export type DayHours = z.infer<typeof DayHours>;
/** Seven days, Sunday first (Date.getDay()'s order). */
export const WeeklySchedule = z.array(DayHours).length(7);
export type WeeklySchedule = z.infer<typeof WeeklySchedule>;

export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export const ANY_TIME: WeeklySchedule = Array.from({ length: 7 }, () => 'any');

/** `any` (or empty), `off`, `9-17`, `09:30-17:00`, `22-6` (overnight); undefined when it is none of them. */
export function parseDayHours(text: string): DayHours | undefined {
	const t = text.trim().toLowerCase();
	if (t === '' || t === 'any') return 'any';
	if (t === 'off') return 'off';
	const m = /^(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?$/.exec(t);
	if (!m) return undefined;
	const minutes = (h: string, min = '0') => (Number(min) < 60 ? Number(h) * 60 + Number(min) : NaN);
	const parsed = Span.safeParse({ from: minutes(m[1], m[2]), to: minutes(m[3], m[4]) });
	return parsed.success ? parsed.data : undefined;
}

const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** As the owner types it: `any`, `off` or `09:00-17:00`. */
export function formatDayHours(d: DayHours): string {
	return typeof d === 'string' ? d : `${clock(d.from)}-${clock(d.to)}`;
}

/** Whether the schedule lets the machine compute at `date`: today's span, or last night's running on into this morning. */
export function scheduleAllows(schedule: WeeklySchedule, date = new Date()): boolean {
	const day = date.getDay();
	const now = date.getHours() * 60 + date.getMinutes();
	const today = schedule[day];
	const yesterday = schedule[(day + 6) % 7];
	if (today === 'any') return true;
	if (typeof today === 'object' && now >= today.from && (today.from > today.to || now < today.to)) return true;
	return typeof yesterday === 'object' && yesterday.from > yesterday.to && now < yesterday.to;
}

/** Why the schedule stops computing now, naming today's hours; null when it allows it. */
export function scheduleBlocker(schedule: WeeklySchedule, date = new Date()): string | null {
	if (scheduleAllows(schedule, date)) return null;
	const today = schedule[date.getDay()];
	const hours = typeof today === 'string' ? 'off' : `${clock(today.from)}–${clock(today.to)}`;
	return `outside your schedule (${DAY_NAMES[date.getDay()]} ${hours})`;
}

/** The old single `hours` setting (whole hours, every day) as a weekly schedule: saved settings keep their meaning. */
export function scheduleFromHours(hours: { from: number; to: number } | null): WeeklySchedule {
	if (!hours) return ANY_TIME;
	return Array.from({ length: 7 }, () => ({ from: hours.from * 60, to: hours.to * 60 }));
}

/**
 * `schedule=mon:9-17,sat:off,sun:any` from a query string, over `base`: days not named keep theirs;
 * undefined when any part is not understood (the whole parameter is then ignored).
 */
export function parseSchedule(text: string, base: WeeklySchedule): WeeklySchedule | undefined {
	const next = [...base];
	for (const part of text.split(',')) {
		const m = /^([a-z]{3}):(.+)$/i.exec(part.trim());
		const day = DAY_NAMES.findIndex((d) => d.toLowerCase() === m?.[1].toLowerCase());
		const hours = m ? parseDayHours(m[2]) : undefined;
		if (day < 0 || hours === undefined) return undefined;
		next[day] = hours;
	}
	return next;
}
