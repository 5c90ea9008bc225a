import { describe, expect, it } from 'vitest';
import type { Submission } from '../../../protocol/jobs';
import { groupLines, lineInputCount, positionsInJobs } from './group-lines';

const embed = (input: string | string[], model = 'e'): Submission => ({
	task_type: 'embedding',
	model,
	input,
	priority: 'high',
	replication: 1,
	params: {}
});
const generate = (input: string, params: Record<string, unknown>): Submission => ({
	task_type: 'text_generation',
	model: 'g',
	input: [input],
	priority: 'high',
	replication: 1,
	params
});
const lines = (subs: Submission[]) => subs.map((submission, i) => ({ line: i + 1, submission }));

describe('groupLines', () => {
	it('makes one job of lines that differ only in their inputs, inputs in line order', () => {
		const jobs = groupLines(lines([embed('a'), embed(['b', 'c']), embed('d')]), 100);
		expect(jobs).toEqual([{ lines: [1, 2, 3], submission: { ...embed(''), input: ['a', 'b', 'c', 'd'] } }]);
	});

	it('keeps apart lines whose model or parameters differ, in the order of their first line', () => {
		const greedy = { max_tokens: 8, temperature: 0 };
		const jobs = groupLines(
			lines([
				embed('a'),
				embed('b', 'other'),
				generate('p', greedy),
				embed('c'),
				generate('q', { ...greedy, max_tokens: 9 }),
				generate('r', greedy)
			]),
			100
		);
		expect(jobs.map((j) => [j.lines, j.submission.model, j.submission.input])).toEqual([
			[[1, 4], 'e', ['a', 'c']],
			[[2], 'other', ['b']],
			[[3, 6], 'g', ['p', 'r']],
			[[5], 'g', ['q']]
		]);
	});

	it("splits a group past the hub's inputs per job, never splitting a line", () => {
		const jobs = groupLines(lines([embed(['a', 'b']), embed(['c', 'd']), embed('e'), embed(['f', 'g', 'h'])]), 3);
		expect(jobs.map((j) => [j.lines, j.submission.input])).toEqual([
			[
				[1, 3],
				['a', 'b', 'e']
			],
			[[2], ['c', 'd']],
			[[4], ['f', 'g', 'h']]
		]);
		for (const j of jobs) expect(j.submission.input.length).toBeLessThanOrEqual(3);
	});

	it('gives a prompt sampled twice without a seed two jobs, so it gets two draws', () => {
		const sampled = { max_tokens: 8, temperature: 1 };
		const jobs = groupLines(lines([generate('p', sampled), generate('q', sampled), generate('p', sampled)]), 100);
		expect(jobs.map((j) => [j.lines, j.submission.input])).toEqual([
			[
				[1, 2],
				['p', 'q']
			],
			[[3], ['p']]
		]);
		// With a seed, or greedy, the same prompt gives the same completion anyway.
		expect(groupLines(lines([generate('p', { ...sampled, seed: 3 }), generate('p', { ...sampled, seed: 3 })]), 100)).toHaveLength(1);
		expect(groupLines(lines([generate('p', { temperature: 0 }), generate('p', { temperature: 0 })]), 100)).toHaveLength(1);
	});
});

describe("a line's place in its job", () => {
	it('counts the inputs a line adds: texts, prompts, one per conversation', () => {
		expect(lineInputCount('/v1/embeddings', { input: 'a' })).toBe(1);
		expect(lineInputCount('/v1/embeddings', { input: ['a', 'b'] })).toBe(2);
		expect(lineInputCount('/v1/completions', { prompt: ['a', 'b', 'c'] })).toBe(3);
		expect(lineInputCount('/v1/chat/completions', { messages: [{}, {}] })).toBe(1);
	});

	it('starts each line after the inputs of the earlier lines of the same job', () => {
		const at = positionsInJobs([
			{ jobId: 'j1', inputs: 1 },
			{ jobId: 'j2', inputs: 2 },
			{ jobId: 'j1', inputs: 3 },
			{ jobId: null, inputs: 1 },
			{ jobId: 'j1', inputs: 1 },
			{ jobId: 'j2', inputs: 1 }
		]);
		expect(at).toEqual([0, 0, 1, 0, 4, 2]);
	});

	it('agrees with groupLines: each line finds its own inputs in its job', () => {
		const subs = [embed(['a', 'b']), embed('c', 'x'), embed('d'), embed(['e', 'f']), embed('g', 'x')];
		const jobs = groupLines(lines(subs), 3);
		const jobOfLine = new Map(jobs.flatMap((j, k) => j.lines.map((l) => [l, k] as const)));
		const starts = positionsInJobs(subs.map((s, i) => ({ jobId: String(jobOfLine.get(i + 1)), inputs: [s.input].flat().length })));
		subs.forEach((s, i) => {
			const job = jobs[jobOfLine.get(i + 1)!].submission.input as string[];
			expect(job.slice(starts[i], starts[i] + [s.input].flat().length)).toEqual([s.input].flat());
		});
	});
});
