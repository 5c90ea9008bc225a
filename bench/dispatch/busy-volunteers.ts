/**
 * The busy-volunteer part: V simulated volunteers (busy-client.ts) in P client processes, each task taking
 * 2 s on its "device", against one hub process on PostgreSQL. Over a window after they have all connected
 * and warmed up: the share of volunteer-time spent busy (sum of accepted tasks' durations inside the window
 * / (V × window)), accepted tasks per second, the task-request round trip, the hub's event-loop lag (its
 * own /metrics) and the cores used by the hub, PostgreSQL and the client processes (/proc).
 */
import type { ChildProcess } from 'node:child_process';
import { benchSql } from './contender-database';
import { startHubProcess, tempDir, type HubProcess } from '../../tests/harness/hub-process';
import { benchHubEnv, importTinyModel, submitJob } from './tiny-job';
import { askReports, connectClients, go, stopClient } from './busy-clients';
import { coresUsed, snapshot } from './cpu';
import { metricValue, percentile } from './stats';
import { outputsAgree } from './outputs-agree';

export interface BusyOptions {
	databaseUrl: string;
	volunteers: number;
	processes: number;
	taskMs: number;
	warmUpSeconds: number;
	windowSeconds: number;
	pool: number;
}

export async function busyVolunteers(o: BusyOptions) {
	// Enough tasks that no volunteer could run dry even at 100 % busy through warm-up and window (and the wait after).
	const tasks = Math.ceil((o.volunteers * (o.warmUpSeconds + o.windowSeconds + 5) * 1000) / o.taskMs) + o.volunteers;
	const hub = await startHubProcess({ databaseUrl: o.databaseUrl, dataDir: tempDir(), env: benchHubEnv(o.pool, tasks) });
	const children: ChildProcess[] = [];
	try {
		await importTinyModel(hub);
		// All connected, paused, before there is work: a handshake costs database round trips, and behind the
		// task requests of those already in the last ones waited minutes (seen: 370 of 1,000 connected after
		// 5 min when they joined a running job, 334 of 5,000 after 4 min when they polled an empty queue).
		const connectSeconds = await connectClients(hub.url, o, children);
		const submitStarted = performance.now();
		const jobId = await submitJob(hub, tasks);
		const submitSeconds = (performance.now() - submitStarted) / 1000;
		go(children);
		// Printed now: under overload the window's scrapes of the hub may fail, and these figures still count.
		console.log(
			`    busy: ${o.volunteers} volunteers connected in ${connectSeconds.toFixed(1)} s; job of ${tasks} tasks submitted in ${submitSeconds.toFixed(1)} s`
		);
		await new Promise((r) => setTimeout(r, o.warmUpSeconds * 1000));
		const window = await measureWindow(hub, children, o.windowSeconds);
		const sql = benchSql(o.databaseUrl);
		try {
			const [{ queued }] = await sql<{ queued: number }[]>`
				select count(*)::int as queued from tasks where job_id = ${jobId} and state = 'queued'`;
			return {
				tasks,
				submitSeconds,
				connectSeconds,
				...window,
				busyShare: window.busyMs / (o.volunteers * window.ms),
				queuedLeft: queued,
				agree: await outputsAgree(sql, jobId)
			};
		} finally {
			await sql.end();
		}
	} finally {
		await Promise.all(children.map(stopClient));
		await hub.stop();
	}
}

/** One window of `seconds`: what the clients did in it, the hub's event-loop lag, and the cores each side used. */
async function measureWindow(hub: HubProcess, children: ChildProcess[], seconds: number) {
	const pids = [hub.child.pid!, ...children.map((c) => c.pid!)];
	await scrape(hub); // prom-client's event-loop histogram restarts at each scrape: the window starts now
	const before = snapshot(pids);
	const from = Date.now();
	await new Promise((r) => setTimeout(r, seconds * 1000));
	const to = Date.now();
	const after = snapshot(pids);
	const metrics = await scrape(hub);
	// Each client counts the tasks running at the window's end once their hand-ins are answered.
	const reports = await askReports(children, from, to);
	const sum = (key: 'busyMs' | 'accepted' | 'notAccepted' | 'started' | 'computed' | 'held') => reports.reduce((n, r) => n + r[key], 0);
	const latencies = reports.flatMap((r) => r.latencies);
	const hubCores = coresUsed(before, after, [hub.child.pid!]);
	return {
		ms: to - from,
		busyMs: sum('busyMs'),
		tasksPerSecond: sum('accepted') / ((to - from) / 1000),
		notAccepted: sum('notAccepted'),
		started: sum('started'),
		computed: sum('computed'),
		held: sum('held'),
		leaseP50: percentile(latencies, 50),
		leaseP99: percentile(latencies, 99),
		lagP99Ms: metricValue(metrics, 'exostack_nodejs_eventloop_lag_p99_seconds') * 1000,
		lagMaxMs: metricValue(metrics, 'exostack_nodejs_eventloop_lag_max_seconds') * 1000,
		hubCores: hubCores.processes,
		postgresCores: hubCores.postgres,
		clientCores: coresUsed(before, after, pids.slice(1)).processes
	};
}

/**
 * The hub's /metrics, or '' (figures NaN: "not measured") when it does not answer within 30 s: an
 * overloaded hub (seen at 5,000 volunteers on a loaded machine) may not, and the window's other figures
 * still count.
 */
async function scrape(hub: HubProcess): Promise<string> {
	try {
		return await (await fetch(`${hub.url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
	} catch {
		console.log('    busy: the hub did not answer /metrics within 30 s');
		return '';
	}
}
