/** The page's volunteer before it starts computing: its settings, the caps derived from them, and its verbs. */
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Volunteer } from './volunteer.svelte';

describe('Volunteer', () => {
	it('takes this visit’s settings from the query string', () => {
		const v = new Volunteer(new URLSearchParams('mode=auto&max_cpu=30&max_tasks=2&idle_duration=60'));
		expect(v.mode).toBe('auto');
		expect(v.settings).toMatchObject({ maxCpu: 0.3, maxTasks: 2, idleDuration: 60 });
		expect(v.connection.state).toBe('starting');
	});

	it('derives its CPU share and its task cap from the owner’s settings and the power tier, whichever is lower', () => {
		const v = new Volunteer(new URLSearchParams('max_cpu=30&max_tasks=2'));
		v.monitor.update();
		const tier = v.monitor.assessment!.limits;
		expect(v.cpuShare).toBe(Math.min(0.3, tier.maxCpu));
		expect(v.maxTasks).toBe(Math.min(2, tier.concurrent));
		v.changeSettings({ maxCpu: 0.1, maxTasks: 0 });
		expect(v.cpuShare).toBe(0.1);
		expect(v.maxTasks).toBe(tier.concurrent);
	});

	it('reports the same readiness between assessments, and a new one when the owner pauses', () => {
		const v = new Volunteer(new URLSearchParams('mode=always'));
		v.monitor.update();
		const report = v.readiness;
		expect(v.readiness).toBe(report);
		const seen: boolean[] = [];
		const cleanup = $effect.root(() => {
			$effect(() => {
				seen.push(v.readiness.ready);
			});
		});
		flushSync();
		v.setMode('paused');
		flushSync();
		cleanup();
		expect(v.mode).toBe('paused');
		expect(v.readiness.ready).toBe(false);
		expect(seen.at(-1)).toBe(false);
		expect(v.monitor.assessment?.blockers).toContain('paused by the owner');
	});

	it('changes one day of the schedule, ignores hours it cannot read, and says why it is not computing', () => {
		const v = new Volunteer(new URLSearchParams(''));
		const today = new Date().getDay();
		v.changeDayHours(today, 'off');
		expect(v.settings.schedule[today]).toBe('off');
		expect(v.settings.schedule.filter((d) => d === 'any')).toHaveLength(6);
		expect(v.readiness.ready).toBe(false);
		expect(v.monitor.assessment?.blockers[0]).toMatch(/^outside your schedule \((Sun|Mon|Tue|Wed|Thu|Fri|Sat) off\)$/);
		v.changeDayHours(today, 'nine to five');
		v.changeDayHours(9, 'any');
		expect(v.settings.schedule[today]).toBe('off');
		v.changeDayHours(today, '');
		expect(v.settings.schedule[today]).toBe('any');
		expect(v.monitor.assessment?.blockers.join()).not.toMatch(/schedule/);
	});
});
