import type { Db } from '../db';
import type { DatabaseReach } from '../db/reach';
import type { HubConfig } from '../config';
import type { Notifier } from '../notifier';
import type { Observer } from '../observe/observer';
import { deleteStaleSessions, sessionStaleMs } from '../volunteers/sessions';
import { finishJobs } from './finish-job';
import { releaseExpiredLeases } from './release-expired-leases';
import { tuneChunks } from './chunk-tuner';

/**
 * Runs the reaper every `sweepMs` in this process. Every hub process runs one; the queries are safe
 * to race (see releaseExpiredLeases). A failed sweep is logged and retried at the next tick, never fatal.
 */
/** What a sweep reads and tells; `notify` is read at each tick, since the realtime layer fills it in after start. */
interface Sweepable {
	db: Db;
	reach: DatabaseReach;
	config: HubConfig;
	readonly notify: Notifier;
	observe: Observer;
}

export function startSweeper(hub: Sweepable) {
	let running = false;
	const tick = async () => {
		if (running) return;
		running = true;
		try {
			// Leases a hub, not their holders, may have let run out (a lost database, a crashed hub: this one, db/reach.ts, or
			// another, whose sessions went stale) go back uncounted.
			const { taskIds, jobIds, uncounted } = await releaseExpiredLeases(
				hub.db,
				hub.config.policy,
				{ since: hub.reach.renewableSince(), leaseMs: hub.config.leaseMs },
				sessionStaleMs(hub.config.heartbeatMs)
			);
			hub.reach.reached();
			hub.observe.leasesExpired(taskIds, jobIds, uncounted);
			// A silent holder may still be computing: tell it to stop, the task has moved on.
			if (taskIds.length > 0) hub.notify.tasksCancelled(taskIds);
			for (const jobId of jobIds) hub.notify.jobChanged(jobId);
			// Also the backstop for a job whose last result's after-commit finish was cut short (a crash).
			for (const job of await finishJobs(hub.db)) {
				hub.observe.jobFinished(job.id, job.status);
				hub.notify.jobChanged(job.id, true);
			}
			if (jobIds.length > 0) hub.notify.workAvailable(taskIds.length);
			await deleteStaleSessions(hub.db, sessionStaleMs(hub.config.heartbeatMs));
			// Last: resizing is an optimisation, and whatever it throws must not hold up the sweep's other work.
			const tuned = await tuneChunks(hub.db, hub.config);
			for (const f of tuned.failed) hub.observe.log.error({ err: f.err, job_id: f.jobId }, 'could not re-chunk a job');
			for (const r of tuned.changed) {
				hub.observe.log.info(
					{ job_id: r.jobId, from_seq: r.fromSeq, chunks_before: r.before, chunks_after: r.after, size: r.size },
					're-chunked a job'
				);
				hub.notify.jobChanged(r.jobId);
			}
		} catch (err) {
			hub.reach.note(err);
			hub.observe.log.error({ err }, 'sweep failed, retrying next tick');
		} finally {
			running = false;
		}
	};
	const timer = setInterval(tick, hub.config.sweepMs);
	timer.unref();
	return { stop: () => clearInterval(timer), tick };
}
