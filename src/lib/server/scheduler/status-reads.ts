import type { JobStatusView } from '../../protocol/rest/jobs';
import { TERMINAL_JOB_STATUSES } from '../../protocol/jobs';

/** A running job's status is read again only after this many times its last read took. */
export const READ_SPACING = 4;

/** Jobs of fewer tasks are read afresh for every request: their read costs about a millisecond. */
const SPACED_FROM_TASKS = 1_000;

/** Jobs whose last read is kept; past this, the oldest are forgotten (they are read afresh). */
const KEPT = 1_000;

interface Read {
	/** When the read ended (ms, on the clock given); null while it runs. */
	doneAt: number | null;
	/** How long it took (ms). */
	took: number;
	/** Whether the job is large enough to share and space its reads (as its last read found it). */
	spaced: boolean;
	view: Promise<JobStatusView | null>;
}

/**
 * Status reads of a large running job, shared and spaced by their own cost: requests arriving while a
 * read runs share it, and the job's status is read again only once READ_SPACING times that read's
 * duration has passed, so whatever the clients' polling rate, reading one job's status takes at most a
 * fifth of the database's time. Why: a job's status counts its chunks, one pass over its tasks
 * (job-status.ts): 130-170 ms of PostgreSQL for a 100,000-task job, which a client polling every 100 ms
 * (a script, the dispatch bench) kept PostgreSQL busy with. A job under SPACED_FROM_TASKS is read afresh
 * for every request, after it was made: a client that acts and then asks sees its act. A finished job's
 * status is never reused either: it carries the results, and the end is exactly what a poller waits for.
 */
export class StatusReads {
	private readonly reads = new Map<string, Read>();

	constructor(
		private readonly read: (jobId: string) => Promise<JobStatusView | null>,
		private readonly now: () => number = () => performance.now()
	) {}

	get(jobId: string): Promise<JobStatusView | null> {
		const last = this.reads.get(jobId);
		if (last?.spaced && (last.doneAt === null || this.now() - last.doneAt < last.took * READ_SPACING)) return last.view;
		return this.start(jobId, last?.spaced ?? false);
	}

	private start(jobId: string, spaced: boolean): Promise<JobStatusView | null> {
		const started = this.now();
		const entry: Read = { doneAt: null, took: 0, spaced, view: this.read(jobId) };
		this.reads.delete(jobId);
		if (this.reads.size >= KEPT) this.reads.delete(this.reads.keys().next().value!);
		this.reads.set(jobId, entry);
		entry.view.then(
			(view) => {
				if (view === null || TERMINAL_JOB_STATUSES.includes(view.status) || view.tasks.total < SPACED_FROM_TASKS)
					return this.forget(jobId, entry);
				entry.spaced = true;
				entry.doneAt = this.now();
				entry.took = entry.doneAt - started;
			},
			() => this.forget(jobId, entry)
		);
		return entry.view;
	}

	/** A small job's, finished, missing or failed read is not reused: the next request reads again. */
	private forget(jobId: string, entry: Read) {
		if (this.reads.get(jobId) === entry) this.reads.delete(jobId);
	}
}
