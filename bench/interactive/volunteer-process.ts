/**
 * The interactive bench's volunteers, in a process of their own so that the bench can lower their CPU
 * priority (`nice`): on this one machine their batch compute otherwise competes with the hub and
 * PostgreSQL for the same two cores, where in a deployment it runs on the volunteers' own machines.
 * Started by volunteers.ts: `<hub url> <count>` as arguments; it reports each task handed in over the
 * IPC channel and stops when told to.
 */
import { startOne } from '../dispatch/in-process-volunteers';

/** A task handed in: its id, its first input, the volunteer's compute time, and when it started (ms since the epoch). */
export type VolunteerReport = { type: 'ended'; taskId: number; input: string; computeMs: number; startedAt: number };

const [hubUrl, count] = process.argv.slice(2);
const send = (m: VolunteerReport) => process.send?.(m);
const started = new Map<number, number>();
const now = () => performance.timeOrigin + performance.now();
// Each on a /24 of its own (127.0.N.1), as strangers are, so the per-network rules apply as on the internet.
const volunteers = Array.from({ length: Number(count) }, (_, i) =>
	startOne(hubUrl, 1, `127.0.${i + 1}.1`, {
		taskStarted: (lease) => void started.set(lease.taskId, now()),
		taskEnded: (lease, end) => {
			const startedAt = started.get(lease.taskId)!;
			started.delete(lease.taskId);
			if (end.accepted && end.durationMs !== undefined)
				send({ type: 'ended', taskId: lease.taskId, input: lease.inputs[0], computeMs: end.durationMs, startedAt });
		}
	})
);
process.on('message', async (m) => {
	if (m !== 'stop') return;
	await Promise.all(volunteers.map((v) => v.stop()));
	process.exit(0);
});
// The bench went away without telling: do not outlive it.
process.on('disconnect', () => process.exit(0));
