import type { Hub } from '../hub';
import { WatchJob } from '../../protocol/events';
import type { JobUpdate } from '../../protocol/jobs';
import { getJobProgress } from '../scheduler/job-status';
import { handle, refuse } from './handle';
import { tokenMayAccessJob } from '../auth/job-access';
import { credentialsOf } from '../auth/authenticate';
import type { TextStreams } from './text-streams';
import { z } from 'zod';
import { CREDIT_WINDOWS, SubscribeLeaderboard } from '../../protocol/dashboard';
import type { DashboardFeed } from './dashboard-feed';
import { jobRoom, leaderboardRoom, type DashboardNamespace } from './rooms';
import type { EventBudget } from './event-budget';
import type { JobWatchers } from './job-watchers';

/** Jobs one dashboard socket may watch at once: a page watches one; each room costs the hub a broadcast target. */
export const MAX_WATCHED_JOBS = 20;

/**
 * Pages watching a job join its room and get its state at once, then every change as it happens.
 * The dashboard and leaderboards join rooms the feed pushes summaries to.
 */
export function serveDashboards(
	hub: Hub,
	nsp: DashboardNamespace,
	streams: TextStreams,
	feed: DashboardFeed,
	budget: EventBudget,
	watchers: JobWatchers
) {
	nsp.on('connection', (socket) => {
		socket.use(budget.middleware(socket));
		const watched = () => [...socket.rooms].filter((r) => r.startsWith(jobRoom(''))).length;
		socket.on(
			'overview:watch',
			handle(z.object({}), async () => {
				await feed.watchOverview(socket);
				return { ok: true };
			})
		);
		socket.on(
			'leaderboard:watch',
			handle(SubscribeLeaderboard, async ({ window }) => {
				// One window at a time: switching tabs on the page moves the socket between rooms.
				for (const w of CREDIT_WINDOWS) if (w !== window) await socket.leave(leaderboardRoom(w));
				await socket.join(leaderboardRoom(window));
				socket.emit('leaderboard:update', await feed.leaderboardNow(window));
				return { ok: true };
			})
		);
		socket.on(
			'job:watch',
			handle(WatchJob, async ({ jobId }) => {
				if (!socket.rooms.has(jobRoom(jobId)) && watched() >= MAX_WATCHED_JOBS)
					return refuse(`a connection watches at most ${MAX_WATCHED_JOBS} jobs`, 'rate-limited');
				// The REST rule for a job's private parts (auth/job-access.ts): its owner's key, sent in the
				// handshake's `auth.token`, or the admin token; anyone else hears what a missing job gives.
				const token: unknown = socket.handshake.auth?.token;
				if (!(await tokenMayAccessJob(credentialsOf(hub), typeof token === 'string' ? token : null, jobId)))
					return refuse(`no job "${jobId}" (watching a job needs its owner's API key or the admin token)`, 'unauthorized');
				await socket.join(jobRoom(jobId));
				watchers.started(jobId);
				const update = await jobUpdate(hub, jobId);
				if (update) socket.emit('job:update', update);
				// Text generated before this page started watching, then live text as it comes.
				for (const text of streams.snapshot(jobId)) socket.emit('job:text', text);
				return { ok: true };
			})
		);
	});
}

export async function jobUpdate(hub: Hub, jobId: string): Promise<JobUpdate | null> {
	const p = await getJobProgress(hub.db, jobId);
	return p && { jobId, ...p };
}
