import { randomBytes } from 'node:crypto';
import type { JobText, TaskText } from '../../protocol/events';
import { MAX_TEXT_CHARS } from '../../protocol/generation';

interface StreamLease {
	leaseToken: string;
	jobId: string;
	firstInput: number;
	/** Shown to pages instead of the lease token, which is the lease holder's secret. */
	stream: string;
}

/** Bounds on what one hub process keeps in memory for live text. */
const MAX_LEASES = 50_000;
const MAX_JOBS = 1_000;

/**
 * Live generated text on one hub process: which text-streaming leases it granted (so only the lease
 * holder can stream for a task), and each job's text so far (so a page that starts watching
 * mid-generation sees what came before). Text is shown, never stored: the accepted result is the record.
 */
export class TextStreams {
	private leases = new Map<number, StreamLease>();
	private live = new Map<string, Map<number, { stream: string; text: string }>>();

	track(taskId: number, leaseToken: string, jobId: string, firstInput: number) {
		this.leases.set(taskId, { leaseToken, jobId, firstInput, stream: randomBytes(6).toString('hex') });
		if (this.leases.size > MAX_LEASES) this.leases.delete(this.leases.keys().next().value!);
	}

	/** The lease ended (result, failure, release): its text stops, and the accepted result takes over. */
	untrack(taskId: number, leaseToken: string) {
		const lease = this.leases.get(taskId);
		if (lease?.leaseToken === leaseToken) this.leases.delete(taskId);
	}

	/** A volunteer's text, checked against the lease it was granted; the event for pages, or null to drop it. */
	accept(p: TaskText): JobText | null {
		const lease = this.leases.get(p.taskId);
		if (!lease || lease.leaseToken !== p.leaseToken) return null;
		const index = lease.firstInput + p.index;
		let job = this.live.get(lease.jobId);
		if (!job) {
			job = new Map();
			this.live.set(lease.jobId, job);
			if (this.live.size > MAX_JOBS) this.live.delete(this.live.keys().next().value!);
		}
		const current = job.get(index);
		const base = current && current.stream === lease.stream ? current.text : '';
		// Only in-order text from one stream is kept; a new stream (a reissued task) starts over at 0.
		if (p.offset !== base.length || base.length + p.text.length > MAX_TEXT_CHARS) return null;
		job.set(index, { stream: lease.stream, text: base + p.text });
		return { jobId: lease.jobId, index, stream: lease.stream, offset: p.offset, text: p.text };
	}

	/** Everything streamed so far for a job, as whole-text events from offset 0. */
	snapshot(jobId: string): JobText[] {
		return [...(this.live.get(jobId) ?? [])].map(([index, { stream, text }]) => ({ jobId, index, stream, offset: 0, text }));
	}

	jobEnded(jobId: string) {
		this.live.delete(jobId);
	}
}
