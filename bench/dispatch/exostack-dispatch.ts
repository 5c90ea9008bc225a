/**
 * ExoStack's dispatch throughput: N headless volunteers (the real work loop and TaskRunner on
 * onnxruntime-node, in this process) compute an M-task job of the tiny model against one hub process on
 * PostgreSQL. Reports accepted tasks per second, the task-request round trip, and the CPU time a task cost
 * the hub, PostgreSQL and the volunteers.
 */
import { benchSql } from './contender-database';
import { startHubProcess, tempDir } from '../../tests/harness/hub-process';
import { startVolunteers } from './in-process-volunteers';
import { benchHubEnv, importTinyModel, timedJob, warmUp } from './tiny-job';
import { percentile } from './stats';
import { cpuMsPer, snapshot } from './cpu';

export interface DispatchOptions {
	databaseUrl: string;
	tasks: number;
	volunteers: number;
	concurrency: number;
	/** The hub's PostgreSQL connections (EXOSTACK_DB_POOL). */
	pool: number;
	/** Settings over the hub's defaults (the defences' knobs, to measure what they cost). */
	env?: Record<string, string>;
}

export async function exostackDispatch(o: DispatchOptions) {
	const hub = await startHubProcess({
		databaseUrl: o.databaseUrl,
		dataDir: tempDir(),
		env: { ...benchHubEnv(o.pool, o.tasks), ...o.env }
	});
	try {
		await importTinyModel(hub);
		const volunteers = startVolunteers([hub.url], o.volunteers, o.concurrency);
		await warmUp(hub);
		volunteers.latencies.length = 0;
		// The CPU the job took: the hub's, PostgreSQL's, and this process's (the volunteers, and the bench's polling).
		const pids = [hub.child.pid!, process.pid];
		const before = snapshot(pids);
		const job = await timedJob(hub, o.tasks);
		const after = snapshot(pids);
		const cpu = {
			hub: cpuMsPer(before, after, [hub.child.pid!], o.tasks).processes,
			...(({ processes, postgres }) => ({ volunteers: processes, postgres }))(cpuMsPer(before, after, [process.pid], o.tasks))
		};
		await volunteers.stop();
		const metrics = await (await fetch(`${hub.url}/metrics`)).text();
		const sql = benchSql(o.databaseUrl);
		const [checks] = await sql<{ spot: number; recheck: number; replicas: number }[]>`
			select count(*) filter (where spot_check)::int as spot, count(*) filter (where recheck)::int as recheck,
				count(*) filter (where replica > 0)::int as replicas
			from tasks where job_id = ${job.id}`;
		await sql.end();
		return {
			checks,
			cpu,
			tasksPerSecond: job.tasksPerSecond,
			seconds: job.seconds,
			submitSeconds: job.submitSeconds,
			leaseP50: percentile(volunteers.latencies, 50),
			leaseP99: percentile(volunteers.latencies, 99),
			requests: volunteers.latencies.length,
			metrics
		};
	} finally {
		await hub.stop();
	}
}
