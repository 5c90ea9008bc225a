/**
 * StatusReads spaces a running job's status reads by their own cost. The read here is a stand-in that
 * counts calls and takes as long as the test's clock says: what is tested is when it is called again,
 * not what it reads (job-status.ts's specs and chunk-fate.spec read real databases).
 */
import { describe, expect, it } from 'vitest';
import type { JobStatusView } from '../../protocol/rest/jobs';
import { READ_SPACING, StatusReads } from './status-reads';

function setup(status: JobStatusView['status'] = 'running', tasks = 100_000) {
	let clock = 0;
	const calls: string[] = [];
	const pending: (() => void)[] = [];
	const reads = new StatusReads(
		(jobId) => {
			calls.push(jobId);
			return new Promise((resolve) => pending.push(() => resolve({ job_id: jobId, status, tasks: { total: tasks } } as JobStatusView)));
		},
		() => clock
	);
	/** Ends the oldest read after `took` ms of the clock. */
	const finish = async (took: number) => {
		clock += took;
		pending.shift()!();
		await new Promise((r) => setTimeout(r));
	};
	return { reads, calls, finish, advance: (ms: number) => (clock += ms) };
}

describe('status reads', () => {
	it('shares a large job’s read among the requests that arrive while it runs', async () => {
		const { reads, calls, finish, advance } = setup();
		void reads.get('j');
		await finish(10); // the first read shows a large job
		advance(10 * READ_SPACING);
		const a = reads.get('j');
		const b = reads.get('j');
		await finish(10);
		expect(await a).toBe(await b);
		expect(calls).toEqual(['j', 'j']);
	});

	it('reads a small job afresh for every request, after it was made', async () => {
		const { reads, calls, finish } = setup('running', 999);
		const first = reads.get('j');
		void reads.get('j'); // during the first read: its own read, which sees what happened before it
		await finish(10);
		await finish(10);
		await first;
		void reads.get('j');
		expect(calls).toEqual(['j', 'j', 'j']);
	});

	it('reads a running job again only after the spacing its last read earned, each job on its own', async () => {
		const { reads, calls, finish, advance } = setup();
		void reads.get('j');
		await finish(100);
		advance(100 * READ_SPACING - 1);
		await reads.get('j');
		expect(calls).toEqual(['j']);
		void reads.get('other');
		expect(calls).toEqual(['j', 'other']);
		await finish(1);
		advance(1);
		void reads.get('j');
		expect(calls).toEqual(['j', 'other', 'j']);
	});

	it('never reuses a finished job’s status, nor a failed read', async () => {
		const done = setup('completed');
		void done.reads.get('j');
		await done.finish(100);
		void done.reads.get('j');
		expect(done.calls).toEqual(['j', 'j']);

		let failing = true;
		let calls = 0;
		const reads = new StatusReads(async () => {
			calls++;
			if (failing) throw new Error('connection lost');
			return null;
		});
		await expect(reads.get('j')).rejects.toThrow('connection lost');
		failing = false;
		expect(await reads.get('j')).toBeNull();
		expect(calls).toBe(2);
	});
});
