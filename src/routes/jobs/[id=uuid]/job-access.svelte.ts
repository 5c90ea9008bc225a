import { ApiTokenField } from '$lib/components/api-token.svelte';
import type { JobStatusView } from '$lib/protocol/rest/jobs';
import { ApiRequestError } from '$lib/api-client/api-request-error';
import { getJob, jobResults } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';

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
		try {
			this.#job = await getJob(new HubApi({ token }), this.jobId);
			this.#state = 'open';
			this.token.remember();
		} catch (e) {
			if (!(e instanceof ApiRequestError)) throw e;
			this.#state = 'locked';
			this.#error = e.status === 404 ? 'This key cannot see this job (or there is no such job).' : e.message;
		}
	}
}

/** Saves a job's results as a file: fetched with the key (a plain link could not send it), then handed to the browser. */
export async function downloadResults(jobId: string, token: string, format: 'jsonl' | 'csv') {
	const response = await jobResults(new HubApi({ token }), jobId, format).catch((e: unknown) => {
		if (e instanceof ApiRequestError) return null;
		throw e;
	});
	if (!response) return;
	const url = URL.createObjectURL(await response.blob());
	const a = Object.assign(document.createElement('a'), { href: url, download: `${jobId}.${format}` });
	a.click();
	URL.revokeObjectURL(url);
}
