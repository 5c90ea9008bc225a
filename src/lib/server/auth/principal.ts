/** Who a request speaks for: the hub's admin token, or one submitter's API key. */
export type Principal = { kind: 'admin' } | { kind: 'key'; id: string; quotas: KeyQuotas };

/** What a key may queue in a rolling day. */
export interface KeyQuotas {
	jobsPerDay: number;
	inputsPerDay: number;
}

export const ADMIN: Principal = { kind: 'admin' };

/** The owner recorded on a job this principal submits: null for the admin. */
export function ownerOf(p: Principal): string | null {
	return p.kind === 'admin' ? null : p.id;
}

/**
 * The one rule for a job's private parts (inputs, outputs, results, tasks, live text, cancelling):
 * the admin sees every job, a key only the jobs it submitted. Jobs the admin submitted have no owner key.
 */
export function mayAccessJob(p: Principal | null, jobOwnerKeyId: string | null): boolean {
	if (!p) return false;
	return p.kind === 'admin' || jobOwnerKeyId === p.id;
}
