import { io, type Socket } from 'socket.io-client';
import { DASHBOARD_NAMESPACE, type DashboardClientToServer, type DashboardServerToClient } from '$lib/protocol/events';
import { TERMINAL_JOB_STATUSES, type JobStatus } from '$lib/protocol/jobs';
import type { JobStatusView, ResultLine } from '$lib/protocol/rest/jobs';
import { jobResultLines } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';

/** One accepted output, as the results file lists it (the contract's own type). */
export type ResultRow = ResultLine;

const PREVIEW_ROWS = 50;
/** Live completions shown at once; a page is for watching, the results download is for everything. */
const LIVE_ROWS = 50;

export interface LiveText {
	stream: string;
	text: string;
}

/** A job page's live view: progress pushed over the /dashboard namespace, results fetched once it ends. */
export class JobWatch {
	#status = $state<JobStatus>('queued');
	#done = $state(0);
	#total = $state(0);
	#preview = $state<ResultRow[]>([]);
	/** Text being generated, by input index, as volunteers stream it. */
	#live = $state<Record<number, LiveText>>({});
	readonly #finished = $derived(TERMINAL_JOB_STATUSES.includes(this.#status));
	readonly #percent = $derived(this.#total ? Math.round((100 * this.#done) / this.#total) : 0);
	readonly #liveRows = $derived(
		Object.entries(this.#live)
			.map(([i, t]) => [Number(i), t] as [number, LiveText])
			.sort((a, b) => a[0] - b[0])
			.slice(0, LIVE_ROWS)
	);
	private socket: Socket<DashboardServerToClient, DashboardClientToServer> | null = null;

	/** Called on every update the page hears; the task table uses it to read its rows again. */
	onChange: () => void = () => {};

	/** `token`: the key that opened the page; watching and reading a job's results are its owner's (or the admin's). */
	constructor(
		private readonly job: JobStatusView,
		private readonly token: string
	) {
		this.#status = job.status;
		this.#done = job.progress.done;
		this.#total = job.progress.total;
	}

	get status() {
		return this.#status;
	}

	/** Inputs done and in all. */
	get done() {
		return this.#done;
	}
	get total() {
		return this.#total;
	}

	/** The first results, once the job has ended. */
	get preview(): readonly ResultRow[] {
		return this.#preview;
	}

	get finished() {
		return this.#finished;
	}

	get percent() {
		return this.#percent;
	}

	/** The live completions shown, by input index. */
	get liveRows(): [number, LiveText][] {
		return this.#liveRows;
	}

	start() {
		const socket: Socket<DashboardServerToClient, DashboardClientToServer> = io(DASHBOARD_NAMESPACE, {
			transports: ['websocket'],
			auth: { token: this.token }
		});
		this.socket = socket;
		socket.on('connect', () => socket.emit('job:watch', { jobId: this.job.job_id }, () => {}));
		socket.on('job:update', (u) => {
			if (u.jobId !== this.job.job_id) return;
			const ended = !this.#finished && TERMINAL_JOB_STATUSES.includes(u.status);
			this.#status = u.status;
			this.#done = u.progress.done;
			this.#total = u.progress.total;
			if (ended) void this.loadPreview();
			this.onChange();
		});
		socket.on('job:text', (t) => {
			if (t.jobId !== this.job.job_id) return;
			this.applyText(t.index, t.stream, t.offset, t.text);
		});
		if (this.#finished) void this.loadPreview();
	}

	/** Appends in order; the first stream seen for an input is followed (a replica's copy would repeat it). */
	private applyText(index: number, stream: string, offset: number, text: string) {
		const current = this.#live[index];
		if (current && current.stream !== stream) {
			if (offset !== 0) return;
		} else if (current) {
			if (offset > current.text.length) return;
			this.#live[index] = { stream, text: current.text.slice(0, offset) + text };
			return;
		}
		if (offset === 0) this.#live[index] = { stream, text };
	}

	stop() {
		this.socket?.close();
	}

	private async loadPreview() {
		this.#preview = await jobResultLines(new HubApi({ token: this.token }), this.job.job_id, PREVIEW_ROWS).catch(() => this.#preview);
	}
}
