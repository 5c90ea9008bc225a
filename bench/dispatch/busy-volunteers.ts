/**
 * The busy-volunteer part: V simulated volunteers (busy-client.ts) in P client processes, each task taking
 * 2 s on its "device", against one hub process on PostgreSQL. Over a window after they have all connected
 * and warmed up: the share of volunteer-time spent busy (sum of accepted tasks' durations inside the window
 * / (V × window)), accepted tasks per second, the task-request round trip, the hub's event-loop lag (its
 * own /metrics) and the cores used by the hub, PostgreSQL and the client processes (/proc).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import postgres from 'postgres';
import { startHubProcess, tempDir } from '../../tests/harness/hub-process';
import { importTinyModel, submitJob } from './tiny-job';
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

const CLIENT = path.resolve('bench/dispatch/busy-client.ts');

type Report = {
	type: 'report';
	busyMs: number;
	accepted: number;
	notAccepted: number;
	latencies: number[];
	started: number;
	computed: number;
	held: number;
};

export async function busyVolunteers(o: BusyOptions) {
	// Enough tasks that no volunteer could run dry even at 100 % busy through warm-up and window (and the wait after).
	const tasks = Math.ceil((o.volunteers * (o.warmUpSeconds + o.windowSeconds + 5) * 1000) / o.taskMs) + o.volunteers;
	const hub = await startHubProcess({
		databaseUrl: o.databaseUrl,
		dataDir: tempDir(),
		env: { EXOSTACK_DB_POOL: String(o.pool), EXOSTACK_DEMO_MODELS: 'off', EXOSTACK_MAX_INPUTS: String(tasks), EXOSTACK_LOG_LEVEL: 'warn' }
	});
	const children: ChildProcess[] = [];
	try {
		await importTinyModel(hub);
		// All connected before there is work: a handshake costs database round trips, and under dispatch load
		// the last ones waited minutes (seen: 370 of 1,000 connected after 5 min when they joined a running job).
		const connectStarted = performance.now();
		const per = Math.ceil(o.volunteers / o.processes);
		for (let first = 0; first < o.volunteers; first += per) {
			const args = [hub.url, String(first), String(Math.min(per, o.volunteers - first)), String(o.taskMs)];
			children.push(fork(CLIENT, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
		}
		await Promise.all(children.map((c) => nextMessage(c, 'connected')));
		const connectSeconds = (performance.now() - connectStarted) / 1000;
		const submitStarted = performance.now();
		const jobId = await submitJob(hub, tasks);
		const submitSeconds = (performance.now() - submitStarted) / 1000;
		await new Promise((r) => setTimeout(r, o.warmUpSeconds * 1000));

		const pids = [hub.child.pid!, ...children.map((c) => c.pid!)];
		await fetch(`${hub.url}/metrics`); // prom-client's event-loop histogram restarts at each scrape: the window starts now
		const before = snapshot(pids);
		const from = Date.now();
		await new Promise((r) => setTimeout(r, o.windowSeconds * 1000));
		const to = Date.now();
		const after = snapshot(pids);
		const metrics = await (await fetch(`${hub.url}/metrics`)).text();
		// Each client counts the tasks running at the window's end once their hand-ins are answered.
		const reports = await Promise.all(
			children.map((c) => {
				const answer = nextMessage<Report>(c, 'report');
				c.send({ type: 'report', from, to });
				return answer;
			})
		);
		const hubCores = coresUsed(before, after, [hub.child.pid!]);
		const clientCores = coresUsed(before, after, pids.slice(1));
		const latencies = reports.flatMap((r) => r.latencies);
		const accepted = reports.reduce((n, r) => n + r.accepted, 0);
		const busyMs = reports.reduce((n, r) => n + r.busyMs, 0);
		const sql = postgres(o.databaseUrl, { max: 1, onnotice: () => {} });
		const [{ queued }] = await sql<
			{ queued: number }[]
		>`select count(*)::int as queued from tasks where job_id = ${jobId} and state = 'queued'`;
		const agree = await outputsAgree(sql, jobId);
		await sql.end();
		return {
			tasks,
			submitSeconds,
			connectSeconds,
			busyShare: busyMs / (o.volunteers * (to - from)),
			tasksPerSecond: accepted / ((to - from) / 1000),
			notAccepted: reports.reduce((n, r) => n + r.notAccepted, 0),
			started: reports.reduce((n, r) => n + r.started, 0),
			computed: reports.reduce((n, r) => n + r.computed, 0),
			held: reports.reduce((n, r) => n + r.held, 0),
			leaseP50: percentile(latencies, 50),
			leaseP99: percentile(latencies, 99),
			lagP99Ms: metricValue(metrics, 'exostack_nodejs_eventloop_lag_p99_seconds') * 1000,
			lagMaxMs: metricValue(metrics, 'exostack_nodejs_eventloop_lag_max_seconds') * 1000,
			hubCores: hubCores.processes,
			postgresCores: hubCores.postgres,
			clientCores: clientCores.processes,
			queuedLeft: queued,
			agree
		};
	} finally {
		await Promise.all(children.map(stopClient));
		await hub.stop();
	}
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
	return new Promise((resolve, reject) => {
		const onMessage = (m: T) => {
			if (m.type !== type) return;
			child.off('message', onMessage);
			child.off('exit', onExit);
			resolve(m);
		};
		const onExit = (code: number | null) => reject(new Error(`a busy-volunteer client exited (${code}) before '${type}'`));
		child.on('message', onMessage);
		child.once('exit', onExit);
	});
}

/** Asks a client to close its volunteers and exit; kills it if it has not within 15 s. */
async function stopClient(c: ChildProcess) {
	if (c.exitCode !== null || c.signalCode !== null) return;
	const exited = new Promise((r) => c.once('exit', r));
	if (c.connected) c.send({ type: 'stop' });
	const slow = setTimeout(() => c.kill('SIGKILL'), 15_000);
	await exited;
	clearTimeout(slow);
}
