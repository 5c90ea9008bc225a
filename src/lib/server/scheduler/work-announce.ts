import type { Notifier } from '../notifier';
import type { Settlement } from './validate-chunk';
import { finishJobIfDone } from './finish-job';
import type { WorkDeps } from './work-types';

/** After a chunk was settled (committed): finish its job if that was the last, and tell whoever needs to know. */
export async function announce(deps: WorkDeps, notify: Notifier, jobId: string, settlement: Settlement | null) {
	if (settlement?.outcome === 'accepted' && settlement.cancelledLeases.length > 0) notify.tasksCancelled(settlement.cancelledLeases);
	if (settlement?.outcome === 'spawned') notify.workAvailable();
	const finished = await finishJobIfDone(deps.db, jobId);
	if (finished) deps.observe.jobFinished(jobId, finished);
	notify.jobChanged(jobId, finished !== null);
}
