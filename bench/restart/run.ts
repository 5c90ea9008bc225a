/**
 * Restart-to-serving: how long a hub is away when it crashes and its supervisor starts it again. Each
 * way of starting it is started once (a cold data folder), then SIGKILLed and started again `--runs`
 * times on the same data folder (PGlite), timing each restart from the spawn until /api/health/ready
 * answers 200:
 *   - `npm start` as it was: `npm run build && node server.js`, a full build on every start;
 *   - `npm start` now (scripts/start.js): builds only when the sources changed, which they did not;
 *   - `node server.js`: the production entry, as the container image runs it.
 *
 *   npx tsx bench/restart/run.ts [--runs 5] [--rebuild-runs 2]
 *
 * Needs the production build (npm run build). The "as it was" rows rebuild this checkout's build/ from
 * the same sources, so nothing else should be using it meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { freePort, HUB_COMMAND, tempDir, TEST_TOKEN } from '../../tests/harness/hub-process';
import { fmt, percentile } from '../dispatch/stats';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'rebuild-runs': { type: 'string', default: '2' } } });

const WAYS = [
	{ name: 'npm start, as it was (build every start)', command: 'npm run build && node server.js', runs: Number(values['rebuild-runs']) },
	{ name: 'npm start (build only when sources changed)', command: 'npm start', runs: Number(values.runs) },
	{ name: HUB_COMMAND.join(' '), command: HUB_COMMAND.join(' '), runs: Number(values.runs) }
];

/** Runs `command` in its own process group, so SIGKILL reaches npm, the shell and the hub alike. */
function launch(command: string, port: number, dataDir: string): ChildProcess {
	return spawn('sh', ['-c', command], {
		detached: true,
		stdio: 'ignore',
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', EXOSTACK_DATA_DIR: dataDir, EXOSTACK_API_TOKEN: TEST_TOKEN }
	});
}

async function untilReady(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}`);
		const ok = await fetch(`http://127.0.0.1:${port}/api/health/ready`).then(
			(r) => r.status === 200,
			() => false
		);
		if (ok) return;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error('the hub was not ready within 180 s');
}

async function crash(child: ChildProcess): Promise<void> {
	const gone = new Promise((r) => child.once('exit', r));
	process.kill(-child.pid!, 'SIGKILL');
	await gone;
}

const rows: { name: string; seconds: number[] }[] = [];
for (const way of WAYS) {
	const dataDir = tempDir('exostack-restart-bench-');
	const port = await freePort();
	let child = launch(way.command, port, dataDir);
	await untilReady(port, child);
	const seconds: number[] = [];
	for (let i = 0; i < way.runs; i++) {
		await crash(child);
		const started = performance.now();
		child = launch(way.command, port, dataDir);
		await untilReady(port, child);
		seconds.push((performance.now() - started) / 1000);
	}
	await crash(child);
	rmSync(dataDir, { recursive: true, force: true });
	rows.push({ name: way.name, seconds });
	console.log(`${way.name}: ${seconds.map((s) => fmt(s, 2)).join(', ')} s`);
}

console.log('\nrestart to serving (SIGKILL, start again, until /api/health/ready is 200), seconds:');
console.log(`${'way'.padEnd(46)} ${'runs'.padStart(4)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
for (const { name, seconds } of rows)
	console.log(
		`${name.padEnd(46)} ${String(seconds.length).padStart(4)} ${fmt(percentile(seconds, 50), 2).padStart(7)} ${fmt(Math.min(...seconds), 2).padStart(7)} ${fmt(Math.max(...seconds), 2).padStart(7)}`
	);
