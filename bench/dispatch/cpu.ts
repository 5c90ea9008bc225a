/**
 * CPU time of the processes a part runs, from /proc (Linux): the hub, PostgreSQL's processes, the
 * bench's client processes. Read before and after a window, the difference over the window's length is
 * the cores each used: which of them saturates the machine.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second on Linux (USER_HZ), fixed at 100 on every architecture Node runs on. */
const TICKS = 100;

/** User plus system CPU seconds of one process, or NaN once it has gone. */
export function cpuSeconds(pid: number): number {
	try {
		// Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th field, stime the 15th.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / TICKS;
	} catch {
		return Number.NaN;
	}
}

/** Every running PostgreSQL server process, by pid (its backends included): /proc/<pid>/comm is "postgres". */
function postgresPids(): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
		} catch {
			// exited meanwhile
		}
	}
	return pids;
}

export interface CpuSnapshot {
	at: number;
	byPid: Map<number, number>;
	postgres: number[];
}

/** CPU seconds now of the given processes and of every PostgreSQL process. */
export function snapshot(pids: number[]): CpuSnapshot {
	const postgres = postgresPids();
	const byPid = new Map<number, number>();
	for (const pid of [...pids, ...postgres]) byPid.set(pid, cpuSeconds(pid));
	return { at: performance.now(), byPid, postgres };
}

/**
 * Cores used between two snapshots by `pids` together, and by PostgreSQL: its processes at the end, each from
 * the start or from its own start within the window (a pool's connections open as they are needed). A backend
 * that came and went inside the window is missed, so PostgreSQL's figure is a lower bound.
 */
export function coresUsed(before: CpuSnapshot, after: CpuSnapshot, pids: number[]): { processes: number; postgres: number } {
	const seconds = (after.at - before.at) / 1000;
	const used = (of: number[], from: (pid: number) => number) =>
		of.reduce((sum, pid) => {
			const delta = (after.byPid.get(pid) ?? Number.NaN) - from(pid);
			return Number.isFinite(delta) ? sum + delta : sum;
		}, 0) / seconds;
	return {
		processes: used(pids, (pid) => before.byPid.get(pid) ?? Number.NaN),
		postgres: used(after.postgres, (pid) => before.byPid.get(pid) ?? 0)
	};
}

/**
 * CPU milliseconds per unit of work between two snapshots: of `pids` together and of PostgreSQL (a lower bound,
 * as coresUsed says). Unlike a rate, it does not fall when other work on the machine takes the cores.
 */
export function cpuMsPer(before: CpuSnapshot, after: CpuSnapshot, pids: number[], units: number): { processes: number; postgres: number } {
	const cores = coresUsed(before, after, pids);
	const ms = (after.at - before.at) / units;
	return { processes: cores.processes * ms, postgres: cores.postgres * ms };
}
