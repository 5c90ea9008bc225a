import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Activity } from './activity.svelte';
import { lease } from './testing';

describe('Activity', () => {
	it('follows the running task, and counts it once it is accepted', () => {
		const a = new Activity();
		const task = lease(7, ['a', 'b', 'c', 'd']);
		a.progress(task, 0);
		expect(a.current).toEqual({ taskId: 7, done: 0, total: 4 });
		expect(a.model).toBe('demo-embedding');
		a.progress(task, 3);
		expect(a.current?.done).toBe(3);
		a.ended(task, { accepted: true, durationMs: 2000 });
		expect(a.current).toBeNull();
		expect([a.tasksDone, a.inputsDone, a.throughput]).toEqual([1, 4, 2]);
	});

	it('counts nothing for a task not accepted, and smooths the throughput over the ones that are', () => {
		const a = new Activity();
		a.ended(lease(1), { accepted: false, durationMs: 10 });
		expect(a.tasksDone).toBe(0);
		a.ended(lease(2, ['a', 'b']), { accepted: true, durationMs: 1000 });
		a.ended(lease(3, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']), { accepted: true, durationMs: 1000 });
		expect(a.throughput).toBeCloseTo(0.7 * 2 + 0.3 * 12);
	});

	it('adds this visit’s work to the credit the hub reported', () => {
		const a = new Activity();
		a.ended(lease(1), { accepted: true, durationMs: 5 });
		expect(a.credit).toBeNull();
		a.welcomed({ tasksDone: 10, inputsDone: 100 });
		a.ended(lease(2, ['a', 'b', 'c']), { accepted: true, durationMs: 5 });
		expect(a.credit).toEqual({ tasksDone: 11, inputsDone: 103 });
	});

	it('keeps the newest 30 log lines, newest first, each with its own id', () => {
		const a = new Activity();
		for (let i = 0; i < 35; i++) a.note(`line ${i}`);
		expect(a.log).toHaveLength(30);
		expect(a.log[0].text).toMatch(/ {2}line 34$/);
		expect(a.log.at(-1)!.text).toMatch(/ {2}line 5$/);
		expect(new Set(a.log.map((l) => l.id)).size).toBe(30);
	});

	it('is read reactively: an effect sees each change through the getters', () => {
		const a = new Activity();
		const seen: (number | undefined)[] = [];
		const cleanup = $effect.root(() => {
			$effect(() => {
				seen.push(a.current?.done);
			});
		});
		flushSync();
		a.progress(lease(1, ['a', 'b']), 1);
		flushSync();
		a.ended(lease(1, ['a', 'b']), { accepted: true, durationMs: 5 });
		flushSync();
		cleanup();
		expect(seen).toEqual([undefined, 1, undefined]);
	});
});
