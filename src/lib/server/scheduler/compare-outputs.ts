/**
 * Whether two replicas' outputs agree: numbers within an absolute tolerance (floating point differs a
 * little between runs and machines even within one backend class), everything else exactly. Generic over
 * the output's shape, so every task type's results compare the same way.
 */
export function outputsAgree(a: unknown, b: unknown, tolerance: number): boolean {
	if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance;
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => outputsAgree(x, b[i], tolerance));
	if (isObject(a) && isObject(b)) {
		const keys = Object.keys(a);
		return keys.length === Object.keys(b).length && keys.every((k) => k in b && outputsAgree(a[k], b[k], tolerance));
	}
	return a === b;
}

function isObject(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The largest group of results that agree with its first member, in arrival order: the candidate
 * quorum. Agreement within a tolerance is not transitive, so members are compared with one anchor
 * rather than chained, which keeps a run of small drifts from adding up to a large one.
 */
export function largestAgreeingGroup<T extends { output: unknown }>(results: T[], tolerance: number): T[] {
	let best: T[] = [];
	for (const anchor of results) {
		const group = results.filter((r) => outputsAgree(anchor.output, r.output, tolerance));
		if (group.length > best.length) best = group;
	}
	return best;
}

/** Agreeing replicas needed to accept a chunk computed `replication` times: a strict majority. */
export function quorumOf(replication: number): number {
	return Math.floor(replication / 2) + 1;
}
