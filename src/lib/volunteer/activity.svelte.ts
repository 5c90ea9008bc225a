/**
 * What the volunteer page shows of the work: the task running now, what this visit has done and how
 * fast, the credit the hub holds for this volunteer, and the activity log. The Volunteer tells it what
 * happened (its verbs); the page only reads it.
 */
import type { TaskLease, VolunteerCredit } from '$lib/protocol/events';

/** The activity log's time of day, in the owner's locale. */
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const LOG_LINES = 30;

export interface LogLine {
	id: number;
	text: string;
}

export class Activity {
	#current = $state<{ taskId: number; done: number; total: number } | null>(null);
	#model = $state<string | null>(null);
	#tasksDone = $state(0);
	#inputsDone = $state(0);
	#throughput = $state(0);
	#credit = $state<VolunteerCredit | null>(null);
	#busyMs = $state(0);
	#log = $state.raw<LogLine[]>([]);
	#logged = 0;

	/** The task running now and how far it is. */
	get current() {
		return this.#current;
	}

	/** The model of the latest task. */
	get model() {
		return this.#model;
	}

	/** Tasks accepted this visit. */
	get tasksDone() {
		return this.#tasksDone;
	}

	get inputsDone() {
		return this.#inputsDone;
	}

	/** Inputs per second, smoothed over recent tasks. */
	get throughput() {
		return this.#throughput;
	}

	/** All-time work credited to this volunteer's identity, as the hub reported it in its welcome, plus this visit's. */
	get credit() {
		return this.#credit;
	}

	/** Milliseconds the worker has spent computing: the page shows its busy share, tests measure it. */
	get busyMs() {
		return this.#busyMs;
	}

	/** Newest first; each line keeps its id, so a new line adds one row to the page instead of rewriting all of them. */
	get log(): readonly LogLine[] {
		return this.#log;
	}

	/** The hub welcomed this volunteer and says what this identity has done so far. */
	welcomed(credit: VolunteerCredit) {
		this.#credit = credit;
	}

	/** A task started, or reported progress. */
	progress(lease: TaskLease, done: number) {
		this.#model = lease.model.id;
		this.#current = { taskId: lease.taskId, done, total: lease.inputs.length };
	}

	/** The worker's measure of the time it has spent computing. */
	busy(ms: number) {
		this.#busyMs = ms;
	}

	/** A task ended; an accepted one counts, and moves the throughput. */
	ended(lease: TaskLease, outcome: { accepted: boolean; durationMs?: number }) {
		this.#current = null;
		if (!outcome.accepted || outcome.durationMs === undefined) return;
		const inputs = lease.inputs.length;
		this.#tasksDone += 1;
		this.#inputsDone += inputs;
		if (this.#credit) this.#credit = { tasksDone: this.#credit.tasksDone + 1, inputsDone: this.#credit.inputsDone + inputs };
		const rate = inputs / Math.max(outcome.durationMs / 1000, 1e-3);
		this.#throughput = this.#throughput ? 0.7 * this.#throughput + 0.3 * rate : rate;
	}

	/** Adds a line to the log, stamped with the time of day. */
	note(line: string) {
		this.#log = [{ id: this.#logged++, text: `${clock.format(Date.now())}  ${line}` }, ...this.#log].slice(0, LOG_LINES);
	}
}
