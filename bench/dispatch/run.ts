/**
 * Dispatch benchmark: ExoStack's accepted tasks per second and lease latency against pg-boss's
 * fetch-and-complete throughput on the same PostgreSQL with the same concurrency, measured side by
 * side in one run, with the defences on (the defaults) and relaxed (their knobs off) to show what they
 * cost; then how many idle volunteers one hub process holds.
 *
 *   npx tsx bench/dispatch/run.ts [--tasks 4000] [--volunteers 8] [--concurrency 4] [--pool 10] [--idle 10000] [--window 30]
 *
 * Needs the production build (npm run build) and PostgreSQL (EXOSTACK_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres).
 */
import { parseArgs } from 'node:util';
import { freshDatabase } from '../../tests/harness/postgres';
import { exostackDispatch } from './exostack-dispatch';
import { pgBossAnchor } from './pg-boss-anchor';
import { idleConnections } from './idle-connections';
import { fmt } from './stats';

const { values } = parseArgs({
	options: {
		tasks: { type: 'string', default: '4000' },
		volunteers: { type: 'string', default: '8' },
		concurrency: { type: 'string', default: '4' },
		pool: { type: 'string', default: '10' },
		idle: { type: 'string', default: '10000' },
		window: { type: 'string', default: '30' }
	}
});
const tasks = Number(values.tasks);
const volunteers = Number(values.volunteers);
const concurrency = Number(values.concurrency);
/** PostgreSQL connections, the same for the hub process and for pg-boss. */
const pool = Number(values.pool);

async function withDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
	const db = await freshDatabase();
	if (!db) throw new Error('the benchmark needs PostgreSQL');
	try {
		return await run(db.url);
	} finally {
		await db.drop();
	}
}

console.log(`dispatch: ${tasks} tasks, ${volunteers} volunteers × ${concurrency} concurrent tasks, ${pool} database connections each`);
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
const exo = await withDatabase((url) => exostackDispatch({ databaseUrl: url, tasks, volunteers, concurrency, pool }));
const relaxed = await withDatabase((url) => exostackDispatch({ databaseUrl: url, tasks, volunteers, concurrency, pool, env: RELAXED }));
const boss = await withDatabase((url) => pgBossAnchor({ databaseUrl: url, tasks, workers: volunteers * concurrency, batch: 1, pool }));
for (const [name, run] of [
	['exostack', exo],
	['relaxed', relaxed]
] as const) {
	console.log(
		`  ${name.padEnd(9)} ${fmt(run.tasksPerSecond)} accepted tasks/s  (${fmt(run.seconds, 2)} s; lease round trip p50 ${fmt(run.leaseP50, 2)} ms, p99 ${fmt(run.leaseP99, 2)} ms over ${run.requests} requests)`
	);
	console.log(
		`            claim transaction mean ${fmt(metricMeanMs(run.metrics, 'exostack_claim_seconds'), 2)} ms, result transaction mean ${fmt(metricMeanMs(run.metrics, 'exostack_complete_seconds'), 2)} ms; ` +
			`${run.checks.spot} known-answer checks, ${run.checks.recheck} re-checks, ${run.checks.replicas} extra replicas`
	);
}
console.log(
	`  defences  ${fmt(exo.tasksPerSecond / relaxed.tasksPerSecond, 2)}× the relaxed hub's throughput (exostack ÷ relaxed, same build, same run)`
);
console.log(
	`  pg-boss   ${fmt(boss.tasksPerSecond)} fetched+completed jobs/s  (${fmt(boss.seconds, 2)} s; ${volunteers * concurrency} workers, batch 1)`
);
console.log(
	`  ratio     ${fmt(exo.tasksPerSecond / boss.tasksPerSecond, 2)}× pg-boss   (targets: ≥ 2500 tasks/s, ≥ 2×, lease p99 < 50 ms)`
);

/** A histogram's mean in ms, from the hub's Prometheus text. */
function metricMeanMs(text: string, name: string): number {
	const read = (suffix: string) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
	return (read('sum') / read('count')) * 1000;
}

if (Number(values.idle) > 0) {
	const idle = await withDatabase((url) =>
		idleConnections({ databaseUrl: url, connections: Number(values.idle), windowMs: Number(values.window) * 1000 })
	);
	console.log(`idle: ${idle.connections} volunteers connected and authenticated in ${fmt(idle.connectSeconds)} s`);
	console.log(
		`  event-loop lag over ${values.window} s with heartbeats: p99 ${fmt(idle.lagP99Ms, 2)} ms, max ${fmt(idle.lagMaxMs, 2)} ms   (target: p99 < 50 ms at 10,000)`
	);
	console.log(`  hub memory ${fmt(idle.rssBeforeMb)} MB → ${fmt(idle.rssAfterMb)} MB: ${fmt(idle.kbPerConnection)} KB per connection`);
}
process.exit(0);
