/**
 * One process at a time on an embedded database. PGlite is single-process and takes no lock of its
 * own: a second hub, or a backup opening the folder beside a running hub, would write the same files
 * and corrupt them. So whoever opens PGlite in a data folder first claims `hub.pid` there.
 *
 * The file holds the owner's pid and a random id of the owning process. A file whose pid is not alive
 * is a crashed owner's, and is taken over; so is one with our own pid but another id (a container
 * restarted, whose hub is pid 1 every time). On PostgreSQL the folder only holds model files, which
 * any number of hubs share, so nothing claims it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const THIS_PROCESS = randomUUID();
export const LOCK_FILE = 'hub.pid';

export class DataDirBusy extends Error {}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
	}
}

function readIfThere(file: string): string | null {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return null;
	}
}

/** Claims the folder (which must exist) for this process; returns the release. Throws DataDirBusy when a live process holds it. */
export function claimDataDir(dir: string, holder: string): () => void {
	const file = path.join(dir, LOCK_FILE);
	const mine = `${process.pid}\n${THIS_PROCESS}\n${holder}\n`;
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			writeFileSync(file, mine, { flag: 'wx', mode: 0o600 });
			return () => {
				// Only our own claim is removed: a stale-taking process may have replaced it.
				if (readIfThere(file) === mine) rmSync(file, { force: true });
			};
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
		}
		const [pidText, id, other] = (readIfThere(file) ?? '').split('\n');
		const pid = Number(pidText);
		const stale = !Number.isSafeInteger(pid) || pid <= 0 || (pid === process.pid ? id !== THIS_PROCESS : !alive(pid));
		if (!stale)
			throw new DataDirBusy(
				`${dir} is in use by ${other || 'another process'} (pid ${pid}); its embedded database takes one process at a time`
			);
		rmSync(file, { force: true });
	}
	throw new DataDirBusy(`${dir}: another process claimed it at the same moment`);
}
