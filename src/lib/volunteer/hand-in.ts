/**
 * How a task leaves a volunteer: its result handed in under the lease token, or, when it stopped, its
 * lease given back (with the finished inputs as a checkpoint) or its failure reported. Shared by the
 * browser tab and the headless volunteer through the work loop, which reports the outcome.
 */
import type { TaskLease } from '../protocol/events';
import type { Backend } from '../protocol/volunteer';
import type { ModelVariant } from '../protocol/variants';
import { isAbort, PartialAbort } from '../executor/slices';
import type { LoopSocket } from './volunteer-socket';
import type { ResultBatcher } from './result-batch';

export interface Computed {
	outputs: unknown[];
	variant: ModelVariant;
	durationMs: number;
	backend: Backend;
}

/** How a task ended, and the activity-log line that says so. */
export interface TaskEnd {
	accepted: boolean;
	durationMs?: number;
	error?: string;
	line: string;
}

/** Hands a result in (with others ready at the same moment, result-batch.ts) and reads its acknowledgement. */
export async function handIn(results: ResultBatcher, lease: TaskLease, c: Computed, urgent = false): Promise<TaskEnd> {
	const payload = {
		taskId: lease.taskId,
		leaseToken: lease.leaseToken,
		backend: c.backend,
		variant: c.variant,
		durationMs: c.durationMs,
		outputs: c.outputs
	};
	const reply = await results.send(payload, urgent);
	if (reply.ok)
		return {
			accepted: true,
			durationMs: c.durationMs,
			line: `task ${lease.taskId}: ${c.outputs.length} inputs (${c.variant}) in ${Math.round(c.durationMs)} ms, accepted`
		};
	return { accepted: false, error: reply.error, line: `task ${lease.taskId}: result not accepted (${reply.error})` };
}

/**
 * Stopped on purpose: release the lease so it moves on now, handing in the finished inputs as a
 * checkpoint so none of that work is lost. Failed: report it, so the hub counts it.
 *
 * Stopped because the connection dropped, the checkpoint or release is `owe`d instead: sent once the
 * volunteer is welcomed back. A hub that saw the connection close has already taken the lease back and
 * refuses it as stale; one that crashed never did, and gets the task back now rather than at the lease's
 * expiry, with the finished inputs.
 */
export function giveBack(socket: LoopSocket, lease: TaskLease, e: Error, owe: (send: () => void) => void): TaskEnd {
	const ids = { taskId: lease.taskId, leaseToken: lease.leaseToken };
	const finished = e instanceof PartialAbort ? e.outputs : [];
	if (isAbort(e)) {
		const send = () =>
			finished.length > 0
				? socket.emit('task:checkpoint', { ...ids, outputs: finished }, () => {})
				: socket.emit('task:release', ids, () => {});
		if (socket.connected) send();
		else owe(send);
		const kept = finished.length ? ` with ${finished.length} finished inputs kept` : '';
		return { accepted: false, error: e.message, line: `task ${lease.taskId}: stopped, lease given back${kept}` };
	}
	socket.emit('task:fail', { ...ids, error: e.message.slice(0, 2000) }, () => {});
	return { accepted: false, error: e.message, line: `task ${lease.taskId} failed: ${e.message}` };
}
