/**
 * A batch's lines as ExoStack jobs: lines whose jobs would differ only in their inputs (same endpoint,
 * model and parameters: everything in the submission but `input`) share one job, their inputs appended
 * in line order. A 1,000-line batch of one kind is then one job of 1,000 inputs, chunked, scheduled,
 * replicated, credited and counted against the key's quotas as a job of that size, rather than 1,000
 * one-input jobs spending 1,000 of the key's daily jobs.
 *
 * Nothing records where a line's inputs sit in its job: lines are grouped in line order, so a line's
 * first input is the sum of the inputs of the earlier lines with the same job (`positionsInJobs`).
 */
import type { Submission } from '../../../protocol/jobs';
import type { BatchEndpoint } from '../plan-request';

export interface LineJob {
	/** The lines' numbers, in order. */
	lines: number[];
	submission: Submission;
}

/** How many inputs a line's request adds to its job: one per embedded text or prompt, one per conversation. */
export function lineInputCount(endpoint: BatchEndpoint, body: Record<string, unknown>): number {
	const input = endpoint === '/v1/embeddings' ? body.input : endpoint === '/v1/completions' ? body.prompt : null;
	return Array.isArray(input) ? input.length : 1;
}

const inputsOf = (s: Submission) => (typeof s.input === 'string' ? [s.input] : s.input);

/**
 * Sampling without a seed: the hub gives the job one seed, and every input of it is sampled with that
 * seed, so a prompt asked twice in one job would get the same completion twice, where two requests get
 * two draws. Such a job takes no input it already has; the repeat goes to another job.
 */
function drawsOnce(s: Submission): boolean {
	return s.task_type === 'text_generation' && s.params.seed === undefined && s.params.temperature !== 0;
}

/**
 * Groups planned lines (in line order) into jobs of at most `maxInputs` inputs each (the hub's limit on a
 * job, EXOSTACK_MAX_INPUTS); a group larger than that is split over several jobs. Jobs come in the order
 * of their first line.
 */
export function groupLines(planned: { line: number; submission: Submission }[], maxInputs: number): LineJob[] {
	const jobs: (LineJob & { inputs: string[]; seen: Set<string> })[] = [];
	const open = new Map<string, (typeof jobs)[number][]>();
	for (const { line, submission } of planned) {
		const { input: _input, ...rest } = submission;
		const key = JSON.stringify(rest);
		const inputs = inputsOf(submission);
		const candidates = open.get(key) ?? [];
		let job = candidates.find(
			(j) => j.inputs.length + inputs.length <= maxInputs && !(drawsOnce(submission) && inputs.some((i) => j.seen.has(i)))
		);
		if (!job) {
			job = { lines: [], submission: rest as Submission, inputs: [], seen: new Set() };
			jobs.push(job);
			open.set(key, [...candidates, job]);
		}
		job.lines.push(line);
		job.inputs.push(...inputs);
		for (const i of inputs) job.seen.add(i);
	}
	return jobs.map(({ lines, submission, inputs }) => ({ lines, submission: { ...submission, input: inputs } }));
}

/**
 * Where each line's inputs start in its job, from the lines in line order: per job, the inputs of its
 * earlier lines. `lines` holds each line's job (null: none) and input count.
 */
export function positionsInJobs(lines: { jobId: string | null; inputs: number }[]): number[] {
	const used = new Map<string, number>();
	return lines.map(({ jobId, inputs }) => {
		if (jobId === null) return 0;
		const at = used.get(jobId) ?? 0;
		used.set(jobId, at + inputs);
		return at;
	});
}
