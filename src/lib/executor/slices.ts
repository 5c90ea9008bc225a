/**
 * Running a task's inputs a slice at a time: progress and abort checks between slices (small enough to
 * stop within a second), the outputs finished so far kept when it is aborted (a yield keeps them as a
 * checkpoint), and a duty cycle: after each slice it sleeps long enough that the time spent computing
 * stays at `dutyCycle` of the wall clock (the power tier's and the owner's CPU cap).
 */
import { DutyGovernor } from './duty-governor';
import type { RunOptions } from './run-options';

/** Inputs computed between progress reports and abort checks. */
export const SLICE = 8;

/** An abort that carries the outputs of the inputs finished before it, in order. */
export class PartialAbort extends Error {
	override name = 'AbortError';
	constructor(readonly outputs: unknown[]) {
		super(`the task was stopped after ${outputs.length} inputs`);
	}
}

export const isAbort = (e: unknown) => (e as Error | undefined)?.name === 'AbortError';

/** Runs `step(i)` for each unit of work, with the abort, checkpoint and duty-cycle rules above. */
export async function dutyCycled<T>(count: number, ctx: RunOptions, step: (start: number) => Promise<T[]>, stride = SLICE): Promise<T[]> {
	const governor = ctx.governor ?? new DutyGovernor();
	const run = () => sliced(count, ctx, governor, step, stride);
	return ctx.urgent ? governor.urgently(run) : run();
}

async function sliced<T>(
	count: number,
	ctx: RunOptions,
	governor: DutyGovernor,
	step: (start: number) => Promise<T[]>,
	stride: number
): Promise<T[]> {
	const out: T[] = [];
	try {
		for (let start = 0; start < count; start += stride) {
			ctx.signal?.throwIfAborted();
			if (start + stride >= count) ctx.onLastSlice?.();
			out.push(...(await governor.slice(() => step(start), ctx.dutyCycle ?? 1, ctx)));
			ctx.onProgress?.(out.length);
		}
	} catch (e) {
		if (isAbort(e)) throw new PartialAbort(out);
		throw e;
	}
	return out;
}

/** Runs `fn` over the inputs a slice at a time. */
export function inSlices<T>(inputs: string[], ctx: RunOptions, fn: (slice: string[]) => Promise<T[]>): Promise<T[]> {
	return dutyCycled(inputs.length, ctx, (start) => fn(inputs.slice(start, start + SLICE)));
}
