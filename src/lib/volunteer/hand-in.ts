/**
 * How a task leaves a volunteer: its result handed in under the lease token, or, when it stopped, its
 * lease given back (with the finished inputs as a checkpoint) or its failure reported. Shared by the
 * browser tab and the headless volunteer through the work loop.
 */
import type { TaskLease } from '../protocol/events';
import type { Backend } from '../protocol/volunteer';
import type { ModelVariant } from '../protocol/variants';
import { isAbort, PartialAbort } from '../executor/slices';
import type { VolunteerSocket, WorkLoopListener } from './work-loop';

export interface Computed {
	outputs: unknown[];
	variant: ModelVariant;
	durationMs: number;
	backend: Backend;
}

export async function handIn(socket: VolunteerSocket, listener: WorkLoopListener, ackMs: number, lease: TaskLease, c: Computed) {
	const payload = {
		taskId: lease.taskId,
		leaseToken: lease.leaseToken,
		backend: c.backend,
		variant: c.variant,
		durationMs: c.durationMs,
		outputs: c.outputs
	};
	const reply = await socket
		.timeout(ackMs)
		.emitWithAck('task:result', payload)
		.catch((e: Error) => ({ ok: false as const, error: e.message }));
	if (reply.ok) {
		listener.log?.(`task ${lease.taskId}: ${c.outputs.length} inputs (${c.variant}) in ${Math.round(c.durationMs)} ms, accepted`);
		listener.taskEnded?.(lease, { accepted: true, durationMs: c.durationMs });
	} else {
		listener.log?.(`task ${lease.taskId}: result not accepted (${reply.error})`);
		listener.taskEnded?.(lease, { accepted: false, error: reply.error });
	}
}

/**
 * Stopped on purpose: release the lease so it moves on now, handing in the finished inputs as a
 * checkpoint so none of that work is lost. Failed: report it, so the hub counts it.
 */
export function giveBack(socket: VolunteerSocket, listener: WorkLoopListener, lease: TaskLease, e: Error) {
	const ids = { taskId: lease.taskId, leaseToken: lease.leaseToken };
	const finished = e instanceof PartialAbort ? e.outputs : [];
	if (isAbort(e)) {
		if (socket.connected && finished.length > 0) socket.emit('task:checkpoint', { ...ids, outputs: finished }, () => {});
		else if (socket.connected) socket.emit('task:release', ids, () => {});
		listener.log?.(
			`task ${lease.taskId}: stopped, lease given back${finished.length ? ` with ${finished.length} finished inputs kept` : ''}`
		);
	} else {
		socket.emit('task:fail', { ...ids, error: e.message.slice(0, 2000) }, () => {});
		listener.log?.(`task ${lease.taskId} failed: ${e.message}`);
	}
	listener.taskEnded?.(lease, { accepted: false, error: e.message });
}
