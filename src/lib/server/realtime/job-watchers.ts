import { jobRoom, type DashboardNamespace } from './rooms';

/** How often a hub process tells the others which jobs its dashboards watch. */
const ANNOUNCE_MS = 10_000;
/** How long an announcement counts: three announcements, so one lost or late does not stop a page's updates. */
const WATCH_TTL_MS = 3 * ANNOUNCE_MS;
/** Job ids taken from one announcement: a process's watched jobs are bounded by its sockets and their caps. */
const MAX_ANNOUNCED = 10_000;

/**
 * Which jobs a dashboard watches (a job's page, `exostack watch`), in this hub process or in another one: a
 * running job's progress is read and sent only while one does. The read sums the job's accepted chunks: 4 ms of
 * PostgreSQL for a 3,000-task job, every 100 ms while its results came in, for jobs nobody was watching (most of
 * them: a job submitted over REST is polled, not watched; bench/dispatch).
 *
 * Watchers here are the job's room in this process's namespace. Another process announces the jobs its
 * dashboards watch when one starts watching and every ANNOUNCE_MS while they do (`job:watched` through the
 * adapter), and each counts here for WATCH_TTL_MS from its latest announcement: whichever process hears a
 * job's results reads its progress and broadcasts it to the room, wherever the room's sockets are.
 */
export class JobWatchers {
	/** Jobs watched in other processes, until when. */
	private readonly elsewhere = new Map<string, number>();

	constructor(
		private readonly nsp: DashboardNamespace,
		/** Whether other hub processes may share the database (a PostgreSQL URL): only then is anything announced. */
		private readonly cluster: boolean,
		private readonly now: () => number = Date.now
	) {}

	/** Whether a dashboard here, or one another process announced, watches the job. */
	watched(jobId: string): boolean {
		if ((this.nsp.adapter.rooms.get(jobRoom(jobId))?.size ?? 0) > 0) return true;
		return (this.elsewhere.get(jobId) ?? -Infinity) > this.now();
	}

	/** A dashboard here started watching the job: the other processes hear it now, not at the next announcement. */
	started(jobId: string): void {
		if (this.cluster) this.nsp.serverSideEmit('job:watched', [jobId]);
	}

	/** Another process's announcement (hub processes only talk through the adapter; its shape is checked all the same). */
	heard(jobIds: unknown): void {
		if (!Array.isArray(jobIds)) return;
		const until = this.now() + WATCH_TTL_MS;
		for (const id of jobIds.slice(0, MAX_ANNOUNCED)) if (typeof id === 'string') this.elsewhere.set(id, until);
	}

	/** Announces the jobs watched here every ANNOUNCE_MS, and forgets announcements that ran out; returns the stop. */
	start(): () => void {
		const timer = setInterval(() => {
			const now = this.now();
			for (const [id, until] of this.elsewhere) if (until <= now) this.elsewhere.delete(id);
			const here = [...this.nsp.adapter.rooms.keys()]
				.filter((room) => room.startsWith(jobRoom('')))
				.map((room) => room.slice(jobRoom('').length));
			if (this.cluster && here.length > 0) this.nsp.serverSideEmit('job:watched', here);
		}, ANNOUNCE_MS);
		timer.unref();
		return () => clearInterval(timer);
	}
}
