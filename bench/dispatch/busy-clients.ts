/**
 * The busy part's client processes (busy-client.ts), seen from the bench: forked with tsx, spoken to over
 * Node's IPC channel, stopped politely and then killed if they hang.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const CLIENT = path.resolve('bench/dispatch/busy-client.ts');

/** What a client answers { type: 'report', from, to } with (busy-client.ts). */
export interface ClientReport {
	type: 'report';
	busyMs: number;
	accepted: number;
	notAccepted: number;
	latencies: number[];
	started: number;
	computed: number;
	held: number;
}

/**
 * Forks `processes` clients sharing `volunteers` between them and resolves, with the seconds it took,
 * once every volunteer is welcomed (at most 5 minutes). The clients are pushed onto `children` as they
 * start, so the caller can stop them whatever happens.
 */
export async function connectClients(
	hubUrl: string,
	o: { volunteers: number; processes: number; taskMs: number },
	children: ChildProcess[]
): Promise<number> {
	const started = performance.now();
	const per = Math.ceil(o.volunteers / o.processes);
	for (let first = 0; first < o.volunteers; first += per) {
		const args = [hubUrl, String(first), String(Math.min(per, o.volunteers - first)), String(o.taskMs)];
		children.push(fork(CLIENT, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
	}
	let timer!: NodeJS.Timeout;
	const late = new Promise<never>(
		(_, reject) => (timer = setTimeout(() => reject(new Error('the volunteers did not all connect within 5 minutes')), 300_000))
	);
	await Promise.race([Promise.all(children.map((c) => nextMessage(c, 'connected'))), late]).finally(() => clearTimeout(timer));
	return (performance.now() - started) / 1000;
}

/** The paused volunteers of every client start asking for work. */
export function go(children: ChildProcess[]) {
	for (const c of children) c.send({ type: 'go' });
}

/** Every client's report on the window [from, to) (epoch ms). */
export function askReports(children: ChildProcess[], from: number, to: number): Promise<ClientReport[]> {
	return Promise.all(
		children.map((c) => {
			const answer = nextMessage<ClientReport>(c, 'report');
			c.send({ type: 'report', from, to });
			return answer;
		})
	);
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
export async function stopClient(c: ChildProcess) {
	if (c.exitCode !== null || c.signalCode !== null) return;
	const exited = new Promise((r) => c.once('exit', r));
	if (c.connected) c.send({ type: 'stop' });
	const slow = setTimeout(() => c.kill('SIGKILL'), 15_000);
	await exited;
	clearTimeout(slow);
}
