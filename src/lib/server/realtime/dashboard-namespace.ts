import type { Namespace } from 'socket.io';
import type { Hub } from '../hub';
import { WatchJob, type DashboardClientToServer, type DashboardServerToClient, type InterServerEvents } from '../../protocol/events';
import type { JobUpdate } from '../../protocol/jobs';
import { getJobProgress } from '../scheduler/job-status';
import { handle } from './handle';

export type DashboardNamespace = Namespace<DashboardClientToServer, DashboardServerToClient, InterServerEvents>;

export const jobRoom = (jobId: string) => `job:${jobId}`;

/** Pages watching a job join its room and get its state at once, then every change as it happens. */
export function serveDashboards(hub: Hub, nsp: DashboardNamespace) {
	nsp.on('connection', (socket) => {
		socket.on(
			'job:watch',
			handle(WatchJob, async ({ jobId }) => {
				await socket.join(jobRoom(jobId));
				const update = await jobUpdate(hub, jobId);
				if (update) socket.emit('job:update', update);
				return { ok: true };
			})
		);
	});
}

export async function jobUpdate(hub: Hub, jobId: string): Promise<JobUpdate | null> {
	const p = await getJobProgress(hub.db, jobId);
	return p && { jobId, ...p };
}
