import type { Namespace } from 'socket.io';
import type { Hub } from '../hub';
import { WatchJob, type DashboardClientToServer, type DashboardServerToClient, type InterServerEvents } from '../../protocol/events';
import type { JobUpdate } from '../../protocol/jobs';
import { getJobProgress } from '../scheduler/job-status';
import { handle } from './handle';
import type { TextStreams } from './text-streams';

export type DashboardNamespace = Namespace<DashboardClientToServer, DashboardServerToClient, InterServerEvents>;

export const jobRoom = (jobId: string) => `job:${jobId}`;

/** Pages watching a job join its room and get its state at once, then every change as it happens. */
export function serveDashboards(hub: Hub, nsp: DashboardNamespace, streams: TextStreams) {
	nsp.on('connection', (socket) => {
		socket.on(
			'job:watch',
			handle(WatchJob, async ({ jobId }) => {
				await socket.join(jobRoom(jobId));
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
