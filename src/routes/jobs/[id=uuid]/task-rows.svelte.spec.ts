import { afterEach, describe, expect, it, vi } from 'vitest';
import { TaskRows, type TaskRow } from './task-rows.svelte';

const row = (seq: number, state: TaskRow['state']): TaskRow => ({
	seq,
	replica: 0,
	state,
	first_input: seq * 8,
	inputs: 8,
	attempts: 1,
	failures: state === 'dead' ? 3 : 0,
	last_error: null,
	checkpointed: 0,
	result_class: null,
	volunteer_id: null,
	backend: null,
	verdict: null,
	duration_ms: null
});

afterEach(() => vi.restoreAllMocks());

describe('TaskRows', () => {
	it('reads the job’s tasks and picks out the dead ones', async () => {
		const fetch = vi.spyOn(window, 'fetch').mockResolvedValue(Response.json([row(0, 'done'), row(1, 'dead'), row(2, 'leased')]));
		const rows = new TaskRows('job-1', 'exok_key');
		await rows.load();
		const [url, init] = fetch.mock.calls[0];
		expect(url).toBe('/api/jobs/job-1/tasks');
		expect(new Headers(init?.headers).get('authorization')).toBe('Bearer exok_key');
		expect(rows.rows.map((r) => r.state)).toEqual(['done', 'dead', 'leased']);
		expect(rows.dead.map((r) => r.seq)).toEqual([1]);
	});

	it('reads them again at most once a second, however often the job changes', async () => {
		const fetch = vi.spyOn(window, 'fetch').mockImplementation(async () => Response.json([row(0, 'queued')]));
		const rows = new TaskRows('job-1', 'exok_key');
		await rows.load();
		for (let i = 0; i < 5; i++) rows.changed();
		await new Promise((r) => setTimeout(r, 300));
		expect(fetch).toHaveBeenCalledTimes(1);
		await expect.poll(() => fetch.mock.calls.length, { timeout: 2000 }).toBe(2);
		rows.stop();
	});
});
