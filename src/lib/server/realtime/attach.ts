import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import type { Hub } from '../hub';
import type { Notifier } from '../notifier';
import { DASHBOARD_NAMESPACE, VOLUNTEER_NAMESPACE, type JobText } from '../../protocol/events';
import { jobUpdate, serveDashboards } from './dashboard-namespace';
import { jobRoom, type DashboardNamespace } from './rooms';
import { originAllowed } from './origin';
import { serveVolunteers, type Connections, type VolunteerNamespace } from './volunteer-namespace';
import { VolunteerWork } from '../scheduler/volunteer-work';
import { touchHubSessions } from '../volunteers/sessions';
import { TextStreams } from './text-streams';
import { LaneOffers } from './lane-offers';
import { HungrySessions } from './hungry-sessions';
import { LeaseHolders } from './lease-holders';
import { adapterPool } from './adapter-pool';
import { DashboardFeed } from './dashboard-feed';
import { TERMINAL_JOB_STATUSES } from '../../protocol/jobs';
import { TASK_TYPES, type TaskType } from '../../protocol/models';
import { boundedParser } from './bounded-parser';
import { eventBudget } from './event-budget';
import { authenticateVolunteers, refusal } from './volunteer-handshake';
import { clientAddressResolver } from '../http/edge/client-address';
import { throttle } from './throttle';
import { Feeder } from '../scheduler/feeder';
import { READ_SPACING } from '../scheduler/status-reads';
import { JobWatchers } from './job-watchers';

/** Job updates are coalesced per job over this window: a busy job refreshes its watchers ~10 times a second, not once per task. */
const JOB_UPDATE_MS = 100;
/** At most one work:available nudge per this window, per hub process. */
export const WORK_AVAILABLE_MS = 250;

/**
 * Waiting volunteers nudged per new task: one nudged may find the task taken already, or be unable to run it (its
 * model limits, its readiness band), and is then back to waiting; those not nudged ask at their next poll.
 */
const NUDGES_PER_TASK = 2;

/**
 * Puts Socket.IO on the hub's HTTP server (the production entry and the Vite dev server both call this)
 * and gives the hub a notifier that reaches connected volunteers and dashboards.
 */
export function attachRealtime(hub: Hub, httpServer: HttpServer): Server {
	const { sockets } = hub.config;
	const io = new Server(httpServer, {
		allowRequest: (req, done) => done(null, originAllowed(req, hub.config)),
		// The largest message is a task's result; Engine.IO refuses a bigger one before buffering it.
		maxHttpBufferSize: sockets.maxMessageBytes,
		parser: boundedParser({ packetsPerSecond: sockets.packetsPerSecond }),
		// A connection with no authenticated socket by then is closed.
		connectTimeout: sockets.connectTimeoutMs
	});
	// Only the volunteer and dashboard namespaces are served; Socket.IO's root namespace always exists, so it is refused here.
	io.of('/').use((_socket, next) => next(refusal('no such namespace', { code: 'invalid' })));
	if (hub.database.url) crossProcessBroadcasts(hub, io, hub.database.url);
	const volunteers = io.of(VOLUNTEER_NAMESPACE) as unknown as VolunteerNamespace;
	const dashboards = io.of(DASHBOARD_NAMESPACE) as unknown as DashboardNamespace;
	const streams = new TextStreams();
	/** Live text to this process's watchers: the job's dashboards here and its /v1 streams served here. */
	const deliverText = (text: JobText) => {
		dashboards.local.to(jobRoom(text.jobId)).emit('job:text', text);
		streams.deliver(text);
	};
	const budget = eventBudget(sockets.eventsPerSecond);
	authenticateVolunteers(hub, volunteers, clientAddressResolver(hub.config.trustedProxies));
	// The notifier reaches this process's sockets; the volunteer-work service is given it, and the hub
	// keeps it for the sweeper and the REST routes, which also announce changes.
	const connections: Connections = { offers: new LaneOffers(), hungry: new HungrySessions(), holders: new LeaseHolders() };
	// This process's feeder (feeder.ts): its claims pick from it, and the notifier tells it of new work here or elsewhere.
	const feeder = hub.config.feederHoldMs > 0 ? new Feeder(hub.db, { holder: hub.id, holdMs: hub.config.feederHoldMs }) : undefined;
	const watchers = new JobWatchers(dashboards, hub.database.url !== null);
	const notify = notifier(hub, volunteers, dashboards, streams, connections, feeder, watchers);
	hub.notify = notify;
	const work = new VolunteerWork(hub, notify, feeder);
	serveVolunteers(
		work,
		volunteers,
		{
			streams,
			publish(text) {
				deliverText(text);
				// Other hub processes deliver it to their own watchers (dashboards, a /v1 stream served there): one
				// message through the adapter, where a broadcast to the room besides would have been a second one.
				if (hub.database.url) dashboards.serverSideEmit('job:text', text);
			}
		},
		budget,
		connections
	);
	const feed = new DashboardFeed(hub, dashboards);
	feed.start();
	serveDashboards(hub, dashboards, streams, feed, budget, watchers);
	hub.liveText = streams;
	dashboards.on('job:text', deliverText);
	dashboards.on('job:watched', (jobIds) => watchers.heard(jobIds));
	const stopAnnouncing = watchers.start();
	// On shutdown, drop every connection and wait for their leases to be given back before the database closes.
	hub.onStop(async () => {
		feed.stop();
		stopAnnouncing();
		io.disconnectSockets(true);
		await work.drain();
		// Not awaited: closing waits for every client to answer the WebSocket close, up to 30 s for one that
		// never does (a hidden tab); the leases are already given back, which is what mattered.
		void io.close();
	});

	// Sessions of this process are alive while its sockets are; one statement keeps fresh those nothing else did.
	const heartbeat = setInterval(() => {
		touchHubSessions(hub.db, hub.id, hub.config.heartbeatMs).catch((err) => hub.observe.log.error({ err }, 'heartbeat failed'));
	}, hub.config.heartbeatMs);
	heartbeat.unref();
	io.on('close', () => clearInterval(heartbeat));
	return io;
}

/**
 * Several hub processes can serve one PostgreSQL database; a broadcast (work available, a job's
 * progress) must reach sockets connected to any of them. The Postgres adapter carries it over
 * LISTEN/NOTIFY, and reconnects by itself if its connection is dropped. PGlite is single-process by
 * nature and keeps Socket.IO's in-memory adapter.
 */
function crossProcessBroadcasts(hub: Hub, io: Server, url: string) {
	const pool = adapterPool(url, (err) => hub.observe.log.warn({ err }, 'Socket.IO adapter connection lost (it reconnects)'));
	io.adapter(createAdapter(pool, { errorHandler: (err) => hub.observe.log.warn({ err }, 'Socket.IO adapter') }));
	hub.onStop(() => pool.end());
}

function notifier(
	hub: Hub,
	volunteers: VolunteerNamespace,
	dashboards: DashboardNamespace,
	streams: TextStreams,
	{ offers, hungry, holders }: Connections,
	feeder: Feeder | undefined,
	watchers: JobWatchers
): Notifier {
	const pending = new Map<string, ReturnType<typeof setTimeout>>();
	// Reads of one job can overlap (a job that ends is read at once, not at the end of the window) and
	// finish out of order on a pool: only the read started last is sent, so `completed` is never
	// followed by an older `running`.
	const reading = new Map<string, number>();
	let reads = 0;
	// How long each running job's last progress read took: a large job's progress sums its accepted
	// chunks (tens of milliseconds at 100,000), so its updates are spaced by that cost as its status
	// reads are (scheduler/status-reads.ts), not read every window while its results pour in.
	const took = new Map<string, number>();
	const flush = async (jobId: string) => {
		clearTimeout(pending.get(jobId));
		pending.delete(jobId);
		const read = ++reads;
		reading.set(jobId, read);
		const started = performance.now();
		const update = await jobUpdate(hub, jobId).catch(() => null);
		if (reading.get(jobId) !== read) return;
		reading.delete(jobId);
		if (update && !TERMINAL_JOB_STATUSES.includes(update.status)) took.set(jobId, performance.now() - started);
		else took.delete(jobId);
		if (update && TERMINAL_JOB_STATUSES.includes(update.status)) streams.jobEnded(jobId);
		if (update) dashboards.to(jobRoom(jobId)).emit('job:update', update);
	};
	// Only volunteers waiting for work are nudged, about as many as there are new tasks (hungry-sessions.ts); the
	// nudge is this process's alone (`local`: no round trip through the adapter for sockets that are all here).
	const nudgeHungry = (tasks: number, taskType: TaskType | undefined) => {
		const ids = hungry.take(tasks * NUDGES_PER_TASK, taskType);
		if (ids.length > 0) volunteers.local.to(ids).emit('work:available');
	};
	// Other hub processes nudge their own waiting volunteers (null: an unknown number of tasks, which JSON cannot
	// carry as Infinity; or any task type).
	volunteers.on('work:available', (tasks, taskType) => {
		feeder?.workArrived();
		nudgeHungry(
			typeof tasks === 'number' && tasks > 0 ? tasks : Infinity,
			TASK_TYPES.find((t) => t === taskType)
		);
	});
	// Tasks announced since the last nudge, by task type ('any': unknown; Infinity: an unknown number). One release or
	// result at a time would otherwise nudge each time; the nudged ask within the window anyway, so one nudge per
	// window loses nothing.
	const announced = new Map<TaskType | 'any', number>();
	const nudge = throttle(WORK_AVAILABLE_MS, () => {
		for (const [type, tasks] of announced) {
			const taskType = type === 'any' ? undefined : type;
			nudgeHungry(tasks, taskType);
			if (hub.database.url) volunteers.serverSideEmit('work:available', Number.isFinite(tasks) ? tasks : null, taskType ?? null);
		}
		announced.clear();
	});
	hub.onStop(async () => nudge.cancel());
	// A cancelled task is told to the connection here that holds its lease, not to every connection (lease-holders.ts).
	const cancelHere = (taskIds: number[]) => {
		const held = holders.cancel(taskIds);
		for (const [sessionId, ids] of held.here) volunteers.local.to(sessionId).emit('task:cancelled', { taskIds: ids });
		return held;
	};
	volunteers.on('task:cancelled', (taskIds) => {
		if (Array.isArray(taskIds)) cancelHere(taskIds.filter((id) => Number.isSafeInteger(id)));
	});
	return {
		workAvailable: (tasks, taskType) => {
			// The feeder takes new work in its turn at once; the nudges wait for their window.
			feeder?.workArrived();
			const type = taskType ?? 'any';
			announced.set(type, (announced.get(type) ?? 0) + (tasks ?? Infinity));
			nudge();
		},
		laneWork: (sessionIds, taskType, rider) => {
			if (sessionIds.length === 0) return rider?.unused();
			// A target connected here is leased the task at once; only when none of them took it are they nudged
			// (one connected to another hub process hears it through the adapter) to ask on the lane themselves. A job
			// whose insert was to ride in the offer's claim and did not is not stored yet: its creator stores it and
			// announces it again, so nobody is nudged for it now.
			const nudge = () => {
				if (rider === undefined || rider.state === 'rode') void volunteers.to(sessionIds).emit('work:available', { lane: 'interactive' });
			};
			offers.offer(sessionIds, taskType, rider).then(
				(taken) => taken || nudge(),
				(err: unknown) => {
					hub.observe.log.warn({ err }, 'could not offer an interactive task; nudging its volunteers instead');
					nudge();
				}
			);
		},
		laneReady: (taskType, limit) => offers.ready(taskType, limit),
		tasksCancelled: (taskIds) => {
			const { elsewhere } = cancelHere(taskIds);
			// Another hub process's connections may hold the rest; each tells its own holders.
			if (hub.database.url && elsewhere.length > 0) volunteers.serverSideEmit('task:cancelled', elsewhere);
		},
		chunkAccepted: (jobId, chunk) => hub.jobEnds.accepted(jobId, chunk),
		jobChanged(jobId, ended) {
			if (ended) {
				hub.jobEnds.ended(jobId);
				return void flush(jobId);
			}
			// A running job's progress is read for the dashboards watching it (job-watchers.ts): with none, nothing is read.
			if (pending.has(jobId) || !watchers.watched(jobId)) return;
			pending.set(
				jobId,
				setTimeout(() => void flush(jobId), Math.max(JOB_UPDATE_MS, READ_SPACING * (took.get(jobId) ?? 0)))
			);
		}
	};
}
