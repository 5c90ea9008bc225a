/**
 * End to end with real headless volunteers: K `exostack volunteer --concurrency C` processes (the CLI a
 * server owner runs) compute an M-task job of the tiny model against one hub process. Reports accepted
 * tasks per second and the task-request round trip, timed inside the CLI processes by lease-timer.mjs.
 *
 * Each process runs `node bin/exostack.js volunteer …`: the file `npx exostack` resolves to, without npx
 * in between (npx would stand between the bench and the volunteer's signals).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startHubProcess, tempDir, metric } from '../../tests/harness/hub-process';
import { benchHubEnv, importTinyModel, timedJob, warmUp } from './tiny-job';
import { percentile } from './stats';

export interface EndToEndOptions {
	databaseUrl: string;
	tasks: number;
	processes: number;
	concurrency: number;
	pool: number;
}

const BIN = path.resolve('bin/exostack.js');
const TIMER = path.resolve('bench/dispatch/lease-timer.mjs');

export async function endToEndCli(o: EndToEndOptions) {
	const hub = await startHubProcess({
		databaseUrl: o.databaseUrl,
		dataDir: tempDir(),
		env: benchHubEnv(o.pool, o.tasks)
	});
	const dir = tempDir('exostack-e2e-');
	const children: ChildProcess[] = [];
	try {
		await importTinyModel(hub);
		for (let i = 0; i < o.processes; i++) children.push(startCli(hub.url, o.concurrency, dir, i));
		while ((await metric(hub, 'exostack_volunteer_sockets')) < o.processes) {
			if (children.some((c) => c.exitCode !== null)) throw new Error('a volunteer process exited before connecting');
			await new Promise((r) => setTimeout(r, 200));
		}
		await warmUp(hub);
		const from = Date.now(); // the warm-up job's requests are in the files too: only later ones count
		const job = await timedJob(hub, o.tasks);
		await Promise.all(children.map(stop));
		const latencies = children.flatMap((_, i) => readTimes(path.join(dir, `lease-times-${i}.json`), from));
		return { ...job, requests: latencies.length, leaseP50: percentile(latencies, 50), leaseP99: percentile(latencies, 99) };
	} finally {
		await Promise.all(children.map(stop));
		await hub.stop();
	}
}

function startCli(hubUrl: string, concurrency: number, dir: string, i: number): ChildProcess {
	const child = spawn(
		process.execPath,
		[BIN, 'volunteer', '--hub', hubUrl, '--concurrency', String(concurrency), '--identity-file', path.join(dir, `identity-${i}`)],
		{
			env: {
				...process.env,
				NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${TIMER}`.trim(),
				EXOSTACK_BENCH_LEASE_TIMES: path.join(dir, `lease-times-${i}.json`)
			},
			stdio: ['ignore', 'ignore', 'pipe']
		}
	);
	let errors = '';
	child.stderr!.on('data', (d) => (errors = (errors + d).slice(-2000)));
	child.once('exit', (code) => code && console.error(`volunteer ${i} exited with ${code}: ${errors}`));
	return child;
}

/** SIGTERM (the CLI gives its leases back and exits), and wait for the exit. */
async function stop(child: ChildProcess) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((r) => child.once('exit', r));
	child.kill('SIGTERM');
	const slow = setTimeout(() => child.kill('SIGKILL'), 10_000);
	await exited;
	clearTimeout(slow);
}

/** Round trips (ms) of requests sent from `from` (epoch ms) on; none when the timer never loaded. */
function readTimes(file: string, from: number): number[] {
	if (!existsSync(file)) return [];
	const times = JSON.parse(readFileSync(file, 'utf8')) as [number, number][];
	return times.filter(([at]) => at >= from).map(([, ms]) => ms);
}
