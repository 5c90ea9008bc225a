/**
 * Dispatch benchmark (issue 13 part 6): in one run on the same PostgreSQL server, with the same number of
 * database connections for every contender, and with the issue's target printed beside each figure.
 *
 *   npx tsx bench/dispatch/run.ts [--only dispatch,e2e,busy,scale,twohubs,idle] [--pool 10] [--pg-sample]
 *     dispatch  ExoStack with trivial tasks (tiny model, one input per task; --tasks 3000, --volunteers 8
 *               in-process volunteers × --concurrency 4) against pg-boss at batch 1 and batch 20. --relaxed
 *               also runs it with the defences' knobs off.
 *     e2e       --e2e-processes 4 `exostack volunteer --concurrency 8` processes (--e2e-concurrency) on a
 *               --tasks job: accepted tasks/s, lease round trip p50/p99
 *     busy      --busy-volunteers 5000 simulated volunteers over --busy-processes 5 client processes,
 *               --busy-task-ms 2000 tasks: busy share, accepted tasks/s, hub event-loop lag and CPU
 *               (--busy-warmup 5 s, then a --busy-window 20 s window)
 *     scale     jobs of --scale 1000,10000 tasks (the issue's: 10000,100000): time per task and the ratio
 *     twohubs   two hub processes on one database sharing the volunteers: throughput, tasks leased twice
 *     idle      (only when named) --idle 10000 idle volunteers held for --window 30 s
 *     herd      (only when named) --herd 2000 volunteers waiting for work, then --herd-jobs 20 one-task jobs one
 *               at a time: the task requests each job sets off, its time to lease, the cores used
 *
 * Needs the production build (npm run build) and PostgreSQL (EXOSTACK_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres). EXOSTACK_HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"
 * profiles every hub process; --pg-sample samples pg_stat_activity of each part's database (what
 * PostgreSQL's connections wait on); BENCHMARKS.md says how to use pg_stat_statements instead. --pg-socket
 * /var/run/postgresql connects every contender through PostgreSQL's Unix socket instead of TCP; --pg-latency
 * MS through a relay that adds MS of round trip, as to a database on another machine (latency-relay.ts).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { busyPart, dispatchPart, endToEndPart, herdPart, idlePart, scalePart, twoHubsPart } from './parts';
import { pgLatency, pgSampling, pgSocket } from './contender-database';
import { fmt } from './stats';

const PARTS = ['dispatch', 'e2e', 'busy', 'scale', 'twohubs', 'idle', 'herd'] as const;
const { values } = parseArgs({
	options: {
		only: { type: 'string', default: 'dispatch,e2e,busy,scale,twohubs' },
		tasks: { type: 'string', default: '3000' },
		volunteers: { type: 'string', default: '8' },
		concurrency: { type: 'string', default: '4' },
		pool: { type: 'string', default: '10' },
		relaxed: { type: 'boolean', default: false },
		'pg-sample': { type: 'boolean', default: false },
		'pg-socket': { type: 'string', default: '' },
		'pg-latency': { type: 'string', default: '0' },
		'e2e-processes': { type: 'string', default: '4' },
		'e2e-concurrency': { type: 'string', default: '8' },
		'busy-volunteers': { type: 'string', default: '5000' },
		'busy-processes': { type: 'string', default: '5' },
		'busy-task-ms': { type: 'string', default: '2000' },
		'busy-warmup': { type: 'string', default: '5' },
		'busy-window': { type: 'string', default: '20' },
		scale: { type: 'string', default: '1000,10000' },
		idle: { type: 'string', default: '10000' },
		herd: { type: 'string', default: '2000' },
		'herd-jobs': { type: 'string', default: '20' },
		window: { type: 'string', default: '30' }
	}
});
const only = new Set(values.only.split(',').map((p) => p.trim()));
for (const p of only)
	if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part "${p}" (parts: ${PARTS.join(', ')})`);
const n = (v: string) => Number(v);
pgSampling.on = values['pg-sample'];
pgSocket.dir = values['pg-socket'];
pgLatency.ms = Number(values['pg-latency']);
const common = { volunteers: n(values.volunteers), concurrency: n(values.concurrency), pool: n(values.pool) };

/**
 * The defences that add work on the lease/result path (SECURITY.md), turned off: no hidden or lazy
 * checks, no distinct-network rule, no lease caps, a socket event budget no volunteer reaches. What
 * stays is what cannot be turned off (handshake authentication, bounded parser, checked payloads).
 */
const RELAXED = {
	EXOSTACK_SPOT_CHECK_RATE: '0',
	EXOSTACK_LAZY_CHECK_RATE: '0',
	EXOSTACK_DISTINCT_NETWORKS: 'off',
	EXOSTACK_LEASES_PER_VOLUNTEER: '0',
	EXOSTACK_LEASES_PER_NETWORK: '0',
	EXOSTACK_SOCKET_EVENTS_PER_SECOND: '100000',
	EXOSTACK_SOCKET_PACKETS_PER_SECOND: '100000'
};

console.log(
	`dispatch bench on ${os.cpus().length} cores, load ${os
		.loadavg()
		.map((l) => fmt(l, 2))
		.join(' ')}; parts: ${[...only].join(', ')}${pgLatency.ms > 0 ? `; PostgreSQL ${pgLatency.ms} ms of round trip away` : ''}`
);
let oneHub: number | undefined;
if (only.has('dispatch')) {
	const exo = await dispatchPart({ tasks: n(values.tasks), ...common });
	oneHub = exo.tasksPerSecond;
	if (values.relaxed) {
		const relaxed = await dispatchPart({ tasks: n(values.tasks), ...common, env: RELAXED });
		console.log(`  defences: ${fmt(exo.tasksPerSecond / relaxed.tasksPerSecond, 2)}× the relaxed hub's throughput (same build, same run)`);
	}
}
if (only.has('e2e'))
	await endToEndPart({
		tasks: n(values.tasks),
		processes: n(values['e2e-processes']),
		concurrency: n(values['e2e-concurrency']),
		pool: common.pool
	});
if (only.has('busy'))
	await busyPart({
		volunteers: n(values['busy-volunteers']),
		processes: n(values['busy-processes']),
		taskMs: n(values['busy-task-ms']),
		warmUpSeconds: n(values['busy-warmup']),
		windowSeconds: n(values['busy-window']),
		pool: common.pool
	});
if (only.has('scale')) await scalePart({ sizes: values.scale.split(',').map(Number), ...common });
if (only.has('twohubs')) await twoHubsPart({ tasks: n(values.tasks), ...common }, oneHub);
if (only.has('idle')) await idlePart({ connections: n(values.idle), windowSeconds: n(values.window) });
if (only.has('herd')) await herdPart({ volunteers: n(values.herd), jobs: n(values['herd-jobs']) });
process.exit(0);
