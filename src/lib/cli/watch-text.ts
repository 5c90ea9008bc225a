/**
 * Follows a job on the hub's /dashboard namespace: live text as volunteers generate it, and the job's
 * state. The same events the job page shows.
 */
import { io, type Socket } from 'socket.io-client';
import { DASHBOARD_NAMESPACE, type DashboardClientToServer, type DashboardServerToClient } from '../protocol/events';
import { TERMINAL_JOB_STATUSES, type JobStatus } from '../protocol/jobs';

export interface WatchHandlers {
	/** New text for input `index`, in order, never repeated. */
	text(index: number, delta: string): void;
}

/** Resolves with the job's final status; text before it arrives through the handler. */
export function watchJob(
	hubUrl: string,
	token: string | null,
	jobId: string,
	handlers: WatchHandlers,
	timeoutMs: number
): Promise<JobStatus> {
	// Watching a job takes its owner's key (or the admin token), as reading it over REST does.
	const socket: Socket<DashboardServerToClient, DashboardClientToServer> = io(`${hubUrl}${DASHBOARD_NAMESPACE}`, {
		transports: ['websocket'],
		auth: token ? { token } : {}
	});
	// Per input: the stream followed (the first seen) and how much of it was printed.
	const followed = new Map<number, { stream: string; printed: number }>();
	return new Promise<JobStatus>((resolve, reject) => {
		const timer = setTimeout(() => finish(() => reject(new Error(`the job did not finish within ${timeoutMs / 1000} s`))), timeoutMs);
		const finish = (then: () => void) => {
			clearTimeout(timer);
			socket.close();
			then();
		};
		socket.on('connect', () =>
			socket.emit('job:watch', { jobId }, (reply) => {
				if (!reply.ok) finish(() => reject(new Error(`cannot watch the job: ${reply.error}`)));
			})
		);
		socket.on('connect_error', (e) => finish(() => reject(new Error(`cannot watch the job: ${e.message}`))));
		socket.on('job:text', (t) => {
			if (t.jobId !== jobId) return;
			const seen = followed.get(t.index) ?? { stream: t.stream, printed: 0 };
			if (seen.stream !== t.stream) return;
			followed.set(t.index, seen);
			const end = t.offset + t.text.length;
			if (t.offset > seen.printed || end <= seen.printed) return;
			handlers.text(t.index, t.text.slice(seen.printed - t.offset));
			seen.printed = end;
		});
		socket.on('job:update', (u) => {
			if (u.jobId === jobId && TERMINAL_JOB_STATUSES.includes(u.status)) finish(() => resolve(u.status));
		});
	}).finally(() => socket.close());
}
