import type { Notifier } from '../notifier';
import type { Settlement } from './validate-chunk';
import { finishJobIfDone } from './finish-job';
import type { FinishChecks } from './finish-checks';
import type { WorkDeps } from './work-types';

/** After a chunk was settled (committed): tell whoever needs to know, and have its job's end checked (finishAndTell). */
export async function announce(notify: Notifier, finishing: FinishChecks, jobId: string, settlement: Settlement | null) {
	if (settlement?.outcome === 'accepted') {
		notify.chunkAccepted(jobId, settlement.chunk);
		if (settlement.cancelledLeases.length > 0) notify.tasksCancelled(settlement.cancelledLeases);
	}
	// One replica more for the chunk (validate-chunk.ts's spawnReplica), and re-checks of a volunteer caught lying.
	const queued = (settlement?.outcome === 'spawned' ? 1 : 0) + (settlement?.rechecks ?? 0);
	if (queued > 0) notify.workAvailable(queued);
	await finishing.request(jobId);
}

/** Finishes the job if its last chunk was settled, and says that it changed: the check FinishChecks runs. */
export async function finishAndTell(deps: WorkDeps, notify: Notifier, jobId: string) {
	const finished = await finishJobIfDone(deps.db, jobId);
	if (finished) deps.observe.jobFinished(jobId, finished);
	notify.jobChanged(jobId, finished !== null);
}
