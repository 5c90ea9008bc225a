import { getJobTasks } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';
import type { TaskRowView } from '$lib/protocol/rest/jobs';

/** One replica task as GET /api/jobs/{id}/tasks lists it (the contract's own type). */
export type TaskRow = TaskRowView;

/** At most one task listing a second, however often the job changes. */
const REFRESH_MS = 1000;

/** A job's tasks, read again (at a bounded rate) whenever the job page hears the job changed. */
export class TaskRows {
	#rows = $state.raw<TaskRow[]>([]);
	readonly #dead = $derived(this.#rows.filter((r) => r.state === 'dead'));
	private timer: ReturnType<typeof setTimeout> | null = null;
	private last = 0;

	/** `token`: the key that opened the job page; a job's tasks are its owner's to read. */
	constructor(
		private readonly jobId: string,
		private readonly token: string
	) {}

	get rows(): TaskRow[] {
		return this.#rows;
	}

	/** The chunks that failed too often to be tried again. */
	get dead(): TaskRow[] {
		return this.#dead;
	}

	changed() {
		if (this.timer) return;
		const wait = Math.max(0, this.last + REFRESH_MS - Date.now());
		this.timer = setTimeout(() => void this.load(), wait);
	}

	async load() {
		this.timer = null;
		this.last = Date.now();
		// A failed refresh keeps the rows shown; the next change tries again.
		this.#rows = await getJobTasks(new HubApi({ token: this.token }), this.jobId).catch(() => this.#rows);
	}

	stop() {
		if (this.timer) clearTimeout(this.timer);
	}
}
