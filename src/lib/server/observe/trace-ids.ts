/**
 * One trace per job, across requests and hub processes, without remembering anything: a job's spans are
 * named by ids derived from the job itself.
 *
 * Submitting, leasing and handing in happen in different requests, often on different hub processes, and
 * a lease may come hours after the submission (or after a restart). Keeping the submit span's context in
 * memory would lose the link on every other process; span links would leave each request a trace of its
 * own. Instead, the trace id IS the job's UUID (16 bytes, as a W3C trace id is; v4 UUIDs are random), the
 * submit span's id is derived from the job id, and a lease's span id from its task and lease token. So
 * any process can name the parent of what it records: submit → lease → result form one tree per job.
 */
import { createHash } from 'node:crypto';

/** The trace id of a job's trace: its UUID's 32 hex digits. */
export function jobTraceId(jobId: string): string {
	const hex = jobId.replace(/-/g, '').toLowerCase();
	if (!/^[0-9a-f]{32}$/.test(hex) || /^0+$/.test(hex)) throw new Error(`not a job id: ${jobId}`);
	return hex;
}

/** A span id (16 hex digits, never all zero) derived from `seed`. */
function spanIdOf(seed: string): string {
	const hex = createHash('sha256').update(seed).digest('hex').slice(0, 16);
	return /^0+$/.test(hex) ? '0000000000000001' : hex;
}

/** The span id of a job's submit span, the root of its trace. */
export function jobSpanId(jobId: string): string {
	return spanIdOf(`job:${jobId}`);
}

/** The span id of one lease of a task: what it leads to (its result or failure) hangs under it. A hash, so the token is not revealed. */
export function leaseSpanId(taskId: number, leaseToken: string): string {
	return spanIdOf(`lease:${taskId}:${leaseToken}`);
}
