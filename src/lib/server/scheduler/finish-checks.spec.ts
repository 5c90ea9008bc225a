import { describe, expect, it } from 'vitest';
import { FinishChecks } from './finish-checks';

/** Checks that end when the spec says; `started` records each as it starts. */
function checksOf() {
	const started: string[] = [];
	const enders: ((fail?: Error) => void)[] = [];
	const checks = new FinishChecks(
		(jobId) =>
			new Promise<void>((resolve, reject) => {
				started.push(jobId);
				enders.push((fail) => (fail ? reject(fail) : resolve()));
			})
	);
	return { checks, started, end: (n: number, fail?: Error) => enders[n](fail) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('FinishChecks', () => {
	it('runs one check of a job at a time; the requests made meanwhile share the one after it', async () => {
		const { checks, started, end } = checksOf();
		const first = checks.request('a');
		const during = Array.from({ length: 10 }, () => checks.request('a'));
		const other = checks.request('b');
		await settle();
		// Another job's check does not wait.
		expect(started).toEqual(['a', 'b']);
		let answered = 0;
		for (const p of during) void p.then(() => answered++);
		end(0);
		await first;
		await settle();
		// The ten were made after the first check started, so it does not answer them: the next does.
		expect(answered).toBe(0);
		expect(started).toEqual(['a', 'b', 'a']);
		end(2);
		await Promise.all(during);
		end(1);
		await other;
		// Nothing waits any more: a new request starts a check at once.
		void checks.request('a');
		await settle();
		expect(started).toEqual(['a', 'b', 'a', 'a']);
		end(3);
	});

	it('gives a failed check to the requests it answered, and still runs the next', async () => {
		const { checks, started, end } = checksOf();
		const first = checks.request('a').then(
			() => 'ok',
			(e: Error) => e.message
		);
		const second = checks.request('a');
		await settle();
		end(0, new Error('database gone'));
		expect(await first).toBe('database gone');
		await settle();
		expect(started).toEqual(['a', 'a']);
		end(1);
		await second;
	});
});
