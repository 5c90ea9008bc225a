import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Hub, Notifier } from '../hub';
import { DASHBOARD_NAMESPACE, VOLUNTEER_NAMESPACE } from '../../protocol/events';
import { jobRoom, jobUpdate, serveDashboards, type DashboardNamespace } from './dashboard-namespace';
import { originAllowed } from './origin';
import { serveVolunteers, type VolunteerNamespace } from './volunteer-namespace';
import { touchHubSessions } from '../volunteers/sessions';
import { TextStreams } from './text-streams';
import { TERMINAL_JOB_STATUSES } from '../../protocol/jobs';

/** Job updates are coalesced per job over this window: a busy job refreshes its watchers ~10 times a second, not once per task. */
const JOB_UPDATE_MS = 100;

/**
 * Puts Socket.IO on the hub's HTTP server (the production entry and the Vite dev server both call this)
 * and gives the hub a notifier that reaches connected volunteers and dashboards.
 */
export function attachRealtime(hub: Hub, httpServer: HttpServer): Server {
	const io = new Server(httpServer, {
		allowRequest: (req, done) => done(null, originAllowed(req, hub.config.allowedOrigins)),
		// Model results are large arrays of numbers; the default 1 MB cap would refuse a big embedding task.
		maxHttpBufferSize: 64 * 1024 * 1024
	});
	const volunteers = io.of(VOLUNTEER_NAMESPACE) as unknown as VolunteerNamespace;
	const dashboards = io.of(DASHBOARD_NAMESPACE) as unknown as DashboardNamespace;
	const streams = new TextStreams();
	const volunteerService = serveVolunteers(hub, volunteers, {
		streams,
		publish: (text) => dashboards.to(jobRoom(text.jobId)).emit('job:text', text)
	});
	serveDashboards(hub, dashboards, streams);
	hub.notify = notifier(hub, volunteers, dashboards, streams);
	// On shutdown, drop every connection and wait for their leases to be given back before the database closes.
	hub.onStop(async () => {
		io.disconnectSockets(true);
		await volunteerService.drain();
		await new Promise<void>((resolve) => io.close(() => resolve()));
	});

	// Sessions of this process are alive while its sockets are; one statement keeps them all fresh.
	const heartbeat = setInterval(() => {
		touchHubSessions(hub.db, hub.id).catch((e) => console.error('exostack: heartbeat failed:', e));
	}, hub.config.heartbeatMs);
	heartbeat.unref();
	io.on('close', () => clearInterval(heartbeat));
	return io;
}

function notifier(hub: Hub, volunteers: VolunteerNamespace, dashboards: DashboardNamespace, streams: TextStreams): Notifier {
	const pending = new Set<string>();
	const flush = async (jobId: string) => {
		pending.delete(jobId);
		const update = await jobUpdate(hub, jobId).catch(() => null);
		if (update && TERMINAL_JOB_STATUSES.includes(update.status)) streams.jobEnded(jobId);
		if (update) dashboards.to(jobRoom(jobId)).emit('job:update', update);
	};
	return {
		workAvailable: () => void volunteers.emit('work:available'),
		tasksCancelled: (taskIds) => void volunteers.emit('task:cancelled', { taskIds }),
		jobChanged(jobId) {
			if (pending.has(jobId)) return;
			pending.add(jobId);
			setTimeout(() => void flush(jobId), JOB_UPDATE_MS);
		}
	};
}
