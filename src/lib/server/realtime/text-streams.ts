import { randomBytes } from 'node:crypto';
import type { JobText, TaskText } from '../../protocol/events';
import type { LiveText } from '../live-text';

interface StreamLease {
	leaseToken: string;
	jobId: string;
	firstInput: number;
	/** How many inputs the lease holds: text for any other index is not this lease's to stream. */
	inputs: number;
	/** The most characters one input's text may reach (the job's max_tokens, check-outputs.ts). */
	maxChars: number;
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
export class TextStreams implements LiveText {
	private leases = new Map<number, StreamLease>();
	private live = new Map<string, Map<number, { stream: string; text: string }>>();
	private watchers = new Map<string, Set<(text: JobText) => void>>();

	track(taskId: number, lease: Omit<StreamLease, 'stream'>) {
		this.leases.set(taskId, { ...lease, stream: randomBytes(6).toString('hex') });
		if (this.leases.size > MAX_LEASES) this.leases.delete(this.leases.keys().next().value!);
	}

	/** The lease ended (result, failure, release): its text stops, and the accepted result takes over. */
	untrack(taskId: number, leaseToken: string) {
		const lease = this.leases.get(taskId);
		if (lease?.leaseToken === leaseToken) this.leases.delete(taskId);
	}

	/**
	 * A volunteer's text, checked against the lease it was granted: the event for pages, or why it was
	 * refused (nothing changes then). Only the lease's own inputs, in order, and no more text per input
	 * than the job's max_tokens can make: a lease holder cannot write over other inputs' live text or
	 * grow the hub's memory beyond what its job predicts.
	 */
	accept(p: TaskText): { event: JobText } | { error: string } {
		const lease = this.leases.get(p.taskId);
		if (!lease || lease.leaseToken !== p.leaseToken) return { error: 'this lease is not streaming here' };
		if (p.index >= lease.inputs) return { error: `input ${p.index} is not one of this lease's ${lease.inputs} inputs` };
		const index = lease.firstInput + p.index;
		const current = this.live.get(lease.jobId)?.get(index);
		const base = current && current.stream === lease.stream ? current.text : '';
		// Only in-order text from one stream is kept; a new stream (a reissued task) starts over at 0.
		if (p.offset !== base.length) return { error: `text for input ${p.index} continues at ${base.length}, not ${p.offset}` };
		if (base.length + p.text.length > lease.maxChars)
			return { error: `input ${p.index}'s text would pass the ${lease.maxChars} characters its job's max_tokens allow` };
		let job = this.live.get(lease.jobId);
		if (!job) {
			job = new Map();
			this.live.set(lease.jobId, job);
			if (this.live.size > MAX_JOBS) this.live.delete(this.live.keys().next().value!);
		}
		job.set(index, { stream: lease.stream, text: base + p.text });
		return { event: { jobId: lease.jobId, index, stream: lease.stream, offset: p.offset, text: p.text } };
	}

	/** Everything streamed so far for a job, as whole-text events from offset 0. */
	snapshot(jobId: string): JobText[] {
		return [...(this.live.get(jobId) ?? [])].map(([index, { stream, text }]) => ({ jobId, index, stream, offset: 0, text }));
	}

	/** Hands accepted text to this process's watchers of its job (pages hear it through their room). */
	deliver(text: JobText) {
		for (const listener of this.watchers.get(text.jobId) ?? []) listener(text);
	}

	watch(jobId: string, listener: (text: JobText) => void): () => void {
		for (const text of this.snapshot(jobId)) listener(text);
		let set = this.watchers.get(jobId);
		if (!set) this.watchers.set(jobId, (set = new Set()));
		set.add(listener);
		return () => {
			set.delete(listener);
			if (set.size === 0 && this.watchers.get(jobId) === set) this.watchers.delete(jobId);
		};
	}

	jobEnded(jobId: string) {
		this.live.delete(jobId);
	}
}
