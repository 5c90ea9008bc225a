/**
 * Starts the real hub (`node server.js`, the production build) as a child process on a free port,
 * with its own data folder, for end-to-end tests. Its output is kept for the failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TEST_TOKEN = 'exo_test_token_0123456789abcdef';

export interface HubProcess {
	url: string;
	token: string;
	dataDir: string;
	port: number;
	child: ChildProcess;
	logs(): string;
	/** What the hub wrote to stdout alone: its JSON log lines (and the start banner). */
	stdout(): string;
	/** SIGTERM and wait: a clean shutdown. */
	stop(): Promise<void>;
	/** SIGKILL and wait: a crash. */
	kill(): Promise<void>;
}

export interface HubProcessOptions {
	dataDir?: string;
	databaseUrl?: string;
	port?: number;
	/** Added to the hub's environment; a key set to undefined is removed (EXOSTACK_API_TOKEN: undefined makes it generate one). */
	env?: Record<string, string | undefined>;
	/** Where `node server.js` runs: another copy of the build (an update test serves a second version). */
	cwd?: string;
	/** The server entry to run, when it is not the `server.js` in `cwd` (a hub started from another folder). */
	entry?: string;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

export function tempDir(prefix = 'exostack-test-'): string {
	return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Tests and benches run every volunteer from 127.0.0.1, one network: the hub's per-network ration of
 * identities and cap on sockets would refuse the second hundred. The harness lifts both (the attack
 * suite sets its own values to test them); the hub's defaults stay what they are.
 */
export const ONE_MACHINE_MANY_VOLUNTEERS = { EXOSTACK_IDENTITIES_PER_NETWORK: '0', EXOSTACK_SOCKETS_PER_NETWORK: '0' };

export async function startHubProcess(opts: HubProcessOptions = {}): Promise<HubProcess> {
	const port = opts.port ?? (await freePort());
	const dataDir = opts.dataDir ?? tempDir();
	const env: Record<string, string | undefined> = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		EXOSTACK_DATA_DIR: dataDir,
		EXOSTACK_API_TOKEN: TEST_TOKEN,
		...ONE_MACHINE_MANY_VOLUNTEERS,
		...opts.env
	};
	delete env.DATABASE_URL;
	for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
	if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
	// EXOSTACK_HUB_NODE_ARGS passes node flags to the hub, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a benchmark's hub.
	const nodeArgs = process.env.EXOSTACK_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
	const child = spawn(process.execPath, [...nodeArgs, opts.entry ?? 'server.js'], {
		env,
		cwd: opts.cwd,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	let stdout = '';
	child.stdout!.on('data', (d) => {
		output += d;
		stdout += d;
	});
	child.stderr!.on('data', (d) => (output += d));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const url = `http://127.0.0.1:${port}`;
	await waitForHealth(url, child, () => output);
	const signal = async (sig: NodeJS.Signals) => {
		if (child.exitCode === null && child.signalCode === null) child.kill(sig);
		const slow = setTimeout(() => {
			output += `\n[test harness] the hub did not exit 15 s after ${sig}; killing it\n`;
			child.kill('SIGKILL');
		}, 15_000);
		await exited;
		clearTimeout(slow);
	};
	return {
		url,
		token: TEST_TOKEN,
		dataDir,
		port,
		child,
		logs: () => output,
		stdout: () => stdout,
		stop: () => signal('SIGTERM'),
		kill: () => signal('SIGKILL')
	};
}

async function waitForHealth(url: string, child: ChildProcess, logs: () => string) {
	const deadline = Date.now() + 90_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}:\n${logs()}`);
		const ok = await fetch(`${url}/api/health`).then(
			(r) => r.ok,
			() => false
		);
		if (ok) return;
		await new Promise((r) => setTimeout(r, 200));
	}
	child.kill('SIGKILL');
	throw new Error(`the hub did not answer within 90 s:\n${logs()}`);
}

/** fetch against the hub with the test token; JSON bodies are serialised. */
export function api(hub: Pick<HubProcess, 'url' | 'token'>, pathname: string, init: RequestInit & { json?: unknown } = {}) {
	const headers = new Headers(init.headers);
	if (!headers.has('authorization')) headers.set('authorization', `Bearer ${hub.token}`);
	if (init.json !== undefined) headers.set('content-type', 'application/json');
	return fetch(`${hub.url}${pathname}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

/** A counter from the hub's Prometheus text at /metrics; 0 when that series has not been counted yet. */
export async function metric(hub: Pick<HubProcess, 'url'>, name: string, labels: Record<string, string> = {}): Promise<number> {
	const text = await (await fetch(`${hub.url}/metrics`)).text();
	const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
	for (const line of text.split('\n')) {
		const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		if (!m || m[1] !== name) continue;
		const have = (m[2] ?? '').split(',').filter(Boolean);
		if (have.length === wanted.length && wanted.every((w) => have.includes(w))) return Number(m[3]);
	}
	return 0;
}
