import { ApiTokenField } from '$lib/components/api-token.svelte';
import type { JobStatusView } from '$lib/protocol/rest/jobs';

/**
 * Opening a job page: a job is its submitter's, so the page reads it with the key saved in this browser
 * (or one typed now). The hub answers 404 alike for a job that is not the key's and one that does not
 * exist, so the page says only that this key cannot see it.
 */
export class JobAccess {
	readonly token = new ApiTokenField();
	#job = $state.raw<JobStatusView | null>(null);
	#state = $state<'checking' | 'locked' | 'open'>('checking');
	#error = $state('');

	constructor(private readonly jobId: string) {}

	get job() {
		return this.#job;
	}
	get state() {
		return this.#state;
	}
	get error() {
		return this.#error;
	}

	/** Reads the job with the token in the field; on success the field's token is kept for next time. */
	async open() {
		const token = this.token.value.trim();
		if (!token) {
			this.#state = 'locked';
			return;
		}
		this.#state = 'checking';
		const response = await fetch(`/api/jobs/${this.jobId}`, { headers: { authorization: `Bearer ${token}` } });
		if (response.ok) {
			this.#job = (await response.json()) as JobStatusView;
			this.#state = 'open';
			this.token.remember();
			return;
		}
		this.#state = 'locked';
		this.#error =
			response.status === 404
				? 'This key cannot see this job (or there is no such job).'
				: (((await response.json().catch(() => null)) as { error?: string } | null)?.error ?? `the hub answered ${response.status}`);
	}
}

/** Saves a job's results as a file: fetched with the key (a plain link could not send it), then handed to the browser. */
export async function downloadResults(jobId: string, token: string, format: 'jsonl' | 'csv') {
	const response = await fetch(`/api/jobs/${jobId}/results?format=${format}`, { headers: { authorization: `Bearer ${token}` } });
	if (!response.ok) return;
	const url = URL.createObjectURL(await response.blob());
	const a = Object.assign(document.createElement('a'), { href: url, download: `${jobId}.${format}` });
	a.click();
	URL.revokeObjectURL(url);
}
