/**
 * The dispatch bench's parts, each run on a fresh database and printed with the targets beside
 * its figures (issue 13 part 6) and the load average while it ran.
 */
import { exostackDispatch } from './exostack-dispatch';
import { pgBossAnchor } from './pg-boss-anchor';
import { endToEndCli } from './e2e-cli';
import { busyVolunteers, type BusyOptions } from './busy-volunteers';
import { twoHubs } from './two-hubs';
import { idleConnections } from './idle-connections';
import { idleHerd } from './idle-herd';
import { figure, sampled, verdict } from './report';
import { printPgSamples, withDatabase } from './contender-database';
import { fmt, metricMean, percentile } from './stats';

const ms = (n: number) => `${fmt(n, 1)} ms`;
const perSecond = (n: number) => `${fmt(n)} tasks/s`;

/** Part 1: ExoStack's pure dispatch against pg-boss at batch 1 and batch 20, same server, same connections. */
export async function dispatchPart(o: {
	tasks: number;
	volunteers: number;
	concurrency: number;
	pool: number;
	env?: Record<string, string>;
}) {
	const workers = o.volunteers * o.concurrency;
	const exo = await sampled(() => withDatabase('exostack', (url) => exostackDispatch({ databaseUrl: url, ...o })));
	const boss1 = await sampled(() =>
		withDatabase('pg-boss batch 1', (url) => pgBossAnchor({ databaseUrl: url, tasks: o.tasks, workers, batch: 1, pool: o.pool }))
	);
	const boss20 = await sampled(() =>
		withDatabase('pg-boss batch 20', (url) => pgBossAnchor({ databaseUrl: url, tasks: o.tasks, workers, batch: 20, pool: o.pool }))
	);
	const name = o.env ? 'dispatch (relaxed: defences off)' : 'dispatch';
	console.log(`${name}: ${o.tasks} one-input tasks, ${o.volunteers} in-process volunteers × ${o.concurrency}, ${o.pool} connections`);
	figure('exostack accepted', perSecond(exo.tasksPerSecond), `(${fmt(exo.seconds, 2)} s, submit ${fmt(exo.submitSeconds, 2)} s)`, exo.load);
	figure('pg-boss batch 1', perSecond(boss1.tasksPerSecond), `(${workers} workers, fetch 1 complete 1)`, boss1.load);
	figure('pg-boss batch 20', perSecond(boss20.tasksPerSecond), `(${workers} workers, fetch 20 complete 20)`, boss20.load);
	const r1 = exo.tasksPerSecond / boss1.tasksPerSecond;
	const r20 = exo.tasksPerSecond / boss20.tasksPerSecond;
	figure('ratio to pg-boss batch 1', `${fmt(r1, 2)}×`, `target ≥ 2×: ${verdict(r1, 2, 'atLeast')}`, exo.load);
	figure(
		'ratio to pg-boss batch 20',
		`${fmt(r20, 2)}×`,
		`target ≥ 1×: ${verdict(r20, 1, 'atLeast')}; stretch 2×: ${verdict(r20, 2, 'atLeast')}`,
		exo.load
	);
	figure(
		'lease round trip p50 / p99',
		`${ms(exo.leaseP50)} / ${ms(exo.leaseP99)}`,
		`p99 target ≤ 50 ms: ${verdict(exo.leaseP99, 50, 'atMost')}`,
		exo.load
	);
	figure(
		'CPU a task: exostack',
		`${ms(exo.cpu.hub + exo.cpu.postgres)}`,
		`(hub ${ms(exo.cpu.hub)}, PostgreSQL ${ms(exo.cpu.postgres)}; volunteers ${ms(exo.cpu.volunteers)})`,
		exo.load
	);
	for (const [name, boss] of [
		['CPU a task: pg-boss batch 1', boss1],
		['CPU a task: pg-boss batch 20', boss20]
	] as const)
		figure(
			name,
			`${ms(boss.cpu.workers + boss.cpu.postgres)}`,
			`(workers ${ms(boss.cpu.workers)}, PostgreSQL ${ms(boss.cpu.postgres)})`,
			boss.load
		);
	console.log(
		`    (${exo.requests} requests; hub's mean claim ${ms(metricMean(exo.metrics, 'exostack_claim_seconds') * 1000)}, result ${ms(metricMean(exo.metrics, 'exostack_complete_seconds') * 1000)}; ` +
			`${exo.checks.spot} known-answer checks, ${exo.checks.recheck} re-checks, ${exo.checks.replicas} extra replicas)`
	);
	printPgSamples();
	return exo;
}

/** Part 2: real `exostack volunteer` processes. */
export async function endToEndPart(o: { tasks: number; processes: number; concurrency: number; pool: number }) {
	const run = await sampled(() => withDatabase('e2e', (url) => endToEndCli({ databaseUrl: url, ...o })));
	console.log(
		`e2e: ${o.tasks} one-input embedding tasks, ${o.processes} × \`exostack volunteer --concurrency ${o.concurrency}\` processes`
	);
	figure('accepted', perSecond(run.tasksPerSecond), `target ≥ 1,500: ${verdict(run.tasksPerSecond, 1500, 'atLeast')}`, run.load);
	figure(
		'lease round trip p50 / p99',
		`${ms(run.leaseP50)} / ${ms(run.leaseP99)}`,
		`p99 target ≤ 50 ms: ${verdict(run.leaseP99, 50, 'atMost')}`,
		run.load
	);
	console.log(`    (${fmt(run.seconds, 2)} s, submit ${fmt(run.submitSeconds, 2)} s; ${run.requests} requests timed in the CLI processes)`);
	printPgSamples();
}

/** Part 3: thousands of simulated volunteers with 2 s tasks. */
export async function busyPart(o: Omit<BusyOptions, 'databaseUrl'>) {
	const run = await sampled(() => withDatabase('busy', (url) => busyVolunteers({ databaseUrl: url, ...o })));
	const needed = (o.volunteers * 1000) / o.taskMs;
	console.log(
		`busy: ${o.volunteers} simulated volunteers in ${o.processes} client processes, ${o.taskMs} ms tasks (the tiny model's real output, then held), ` +
			`${o.windowSeconds} s window after ${o.warmUpSeconds} s warm-up`
	);
	console.log(
		`    (job of ${run.tasks} tasks submitted in ${fmt(run.submitSeconds, 2)} s; all connected in ${fmt(run.connectSeconds, 2)} s; ${run.queuedLeft} still queued after the window)`
	);
	figure('busy share', `${fmt(run.busyShare * 100)} %`, `target ≥ 90 %: ${verdict(run.busyShare, 0.9, 'atLeast')}`, run.load);
	figure(
		'accepted',
		perSecond(run.tasksPerSecond),
		`${fmt(needed, 0)}/s keeps all busy; ≥ 90 %: ${verdict(run.tasksPerSecond, 0.9 * needed, 'atLeast')}`,
		run.load
	);
	figure(
		'lease round trip p50 / p99',
		`${ms(run.leaseP50)} / ${ms(run.leaseP99)}`,
		`p99 target ≤ 50 ms: ${verdict(run.leaseP99, 50, 'atMost')}`,
		run.load
	);
	figure(
		'hub event-loop lag p99 / max',
		`${ms(run.lagP99Ms)} / ${ms(run.lagMaxMs)}`,
		`p99 target < 50 ms: ${verdict(run.lagP99Ms, 50, 'atMost')}`,
		run.load
	);
	figure(
		'cores: hub / PostgreSQL / clients',
		`${fmt(run.hubCores, 2)} / ${fmt(run.postgresCores, 2)} / ${fmt(run.clientCores, 2)}`,
		'(of 2; /proc)',
		run.load
	);
	if (run.queuedLeft === 0) console.log('    WARNING: the job ran dry during the window; the busy share is understated');
	console.log(
		`    outputs: ${run.agree.results} results of ${run.agree.inputs} distinct inputs gave ${run.agree.distinctOutputs} distinct (input, output) pairs ` +
			`(${run.agree.distinctOutputs === run.agree.inputs ? 'each input one output: the model computed them' : 'NOT one output per input'}); ${run.notAccepted} tasks not accepted; whole run: ${run.started} started, ${run.computed} computed, ${run.held} held to the end`
	);
	printPgSamples();
}

/** Part 4: per-task time of a small and a large job (fresh database each); the same per task means linear. */
export async function scalePart(o: { sizes: number[]; volunteers: number; concurrency: number; pool: number }) {
	console.log(`scale: jobs of ${o.sizes.join(' and ')} one-input tasks, ${o.volunteers} in-process volunteers × ${o.concurrency}`);
	const perTask: number[] = [];
	for (const tasks of o.sizes) {
		const run = await sampled(() =>
			withDatabase(`${tasks} tasks`, (url) =>
				exostackDispatch({ databaseUrl: url, tasks, volunteers: o.volunteers, concurrency: o.concurrency, pool: o.pool })
			)
		);
		perTask.push((run.seconds * 1000) / tasks);
		figure(
			`${tasks} tasks: time per task`,
			ms(perTask.at(-1)!),
			`(${fmt(run.seconds, 1)} s in all, submit ${fmt(run.submitSeconds, 2)} s; ${perSecond(run.tasksPerSecond)})`,
			run.load
		);
	}
	const ratio = perTask.at(-1)! / perTask[0];
	figure(
		'ratio (largest ÷ smallest)',
		`${fmt(ratio, 2)}×`,
		`target ≈ 1 (linear; ≤ 1.2 counted as met): ${verdict(ratio, 1.2, 'atMost')}`,
		''
	);
}

/** Part 5: two hub processes on one database sharing the volunteers. */
export async function twoHubsPart(o: { tasks: number; volunteers: number; concurrency: number; pool: number }, oneHub?: number) {
	const run = await sampled(() => withDatabase('two hubs', (url) => twoHubs({ databaseUrl: url, ...o })));
	console.log(
		`twohubs: ${o.tasks} tasks, ${o.volunteers} in-process volunteers × ${o.concurrency} split over two hub processes, ${o.pool} connections each`
	);
	const beside = oneHub
		? `${fmt(run.tasksPerSecond / oneHub, 2)}× one hub's ${perSecond(oneHub)} in this run`
		: '(run dispatch too for one hub)';
	figure('accepted', perSecond(run.tasksPerSecond), beside, run.load);
	figure(
		'lease round trip p50 / p99',
		`${ms(run.leaseP50)} / ${ms(run.leaseP99)}`,
		`p99 target ≤ 50 ms: ${verdict(run.leaseP99, 50, 'atMost')}`,
		run.load
	);
	figure(
		'tasks leased more than once (DB)',
		`${run.db.leased_twice} of ${run.db.tasks}`,
		`target 0: ${run.db.leased_twice === 0 ? 'met' : 'MISSED'}`,
		run.load
	);
	console.log(`    (volunteers saw ${run.seenTwice} task ids leased twice; ${run.db.results} results, ${run.db.accepted} accepted chunks)`);
	printPgSamples();
}

export async function idlePart(o: { connections: number; windowSeconds: number }) {
	const idle = await sampled(() =>
		withDatabase('idle', (url) => idleConnections({ databaseUrl: url, connections: o.connections, windowMs: o.windowSeconds * 1000 }))
	);
	console.log(`idle: ${idle.connections} volunteers connected and authenticated in ${fmt(idle.connectSeconds)} s`);
	figure(
		'event-loop lag p99 / max',
		`${ms(idle.lagP99Ms)} / ${ms(idle.lagMaxMs)}`,
		`p99 target < 50 ms: ${verdict(idle.lagP99Ms, 50, 'atMost')}`,
		idle.load
	);
	figure(
		'hub memory per connection',
		`${fmt(idle.kbPerConnection)} KB`,
		`(${fmt(idle.rssBeforeMb)} → ${fmt(idle.rssAfterMb)} MB)`,
		idle.load
	);
}

export async function herdPart(o: { volunteers: number; jobs: number }) {
	const herd = await sampled(() => withDatabase('herd', (url) => idleHerd({ databaseUrl: url, ...o })));
	const requests = herd.perJob.map((j) => j.requests);
	const lease = herd.perJob.map((j) => j.leaseMs);
	console.log(`herd: ${o.jobs} one-task jobs, one at a time, while ${o.volunteers} volunteers wait for work`);
	figure(
		'task requests per job',
		`${fmt(requests.reduce((a, b) => a + b, 0) / requests.length)} (max ${Math.max(...requests)})`,
		`of ${o.volunteers} waiting (a nudge to every connection sends each of them)`,
		herd.load
	);
	figure('submission to lease p50 / max', `${ms(percentile(lease, 50))} / ${ms(Math.max(...lease))}`, '', herd.load);
	figure('cores used over the jobs', `hub ${fmt(herd.hubCores, 2)}, PostgreSQL ${fmt(herd.postgresCores, 2)}`, '', herd.load);
}
