/** One replica task as GET /api/jobs/{id}/tasks lists it. */
export interface TaskRow {
	seq: number;
	replica: number;
	/** `pending`: the chunk is still being computed, and its replicas' details are not public until it is settled. */
	state: 'pending' | 'queued' | 'leased' | 'done' | 'dead' | 'cancelled';
	first_input: number;
	inputs: number;
	attempts: number | null;
	failures: number | null;
	last_error: string | null;
	volunteer_id: string | null;
	backend: string | null;
	verdict: string | null;
	duration_ms: number | null;
}

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
		const response = await fetch(`/api/jobs/${this.jobId}/tasks`, { headers: { authorization: `Bearer ${this.token}` } });
		if (response.ok) this.#rows = (await response.json()) as TaskRow[];
	}

	stop() {
		if (this.timer) clearTimeout(this.timer);
	}
}
