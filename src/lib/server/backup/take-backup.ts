/**
 * The two ways a backup is taken: by the running hub (the only process that can read its PGlite
 * consistently), or, with no hub running on the folder, by opening the folder directly.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../db';
import { dumpPglite } from '../db/pglite-dump';
import { claimDataDir } from '../data-dir-lock';
import { BackupError } from './read-backup';
import { createBackup, type Backup } from './write-backup';

let running = false;

/**
 * A backup of a running hub's data, or null while another is being made: each holds its database copy
 * in memory until it is sent, so they are made one at a time.
 */
export async function backupRunningHub(hub: {
	database: Pick<Database, 'kind' | 'dump'>;
	config: { dataDir: string };
}): Promise<Backup | null> {
	if (running) return null;
	running = true;
	try {
		const backup = await createBackup({ dataDir: hub.config.dataDir, database: hub.database.kind, dump: hub.database.dump });
		backup.archive.once('close', () => (running = false));
		return backup;
	} catch (e) {
		running = false;
		throw e;
	}
}

/** A backup of a data folder no hub runs on (refused, naming the holder, while one does). */
export async function backupDataDir(dataDir: string, databaseUrl: string | null): Promise<Backup> {
	if (!existsSync(dataDir)) throw new BackupError(`${dataDir}: no such folder`);
	if (databaseUrl) return createBackup({ dataDir, database: 'postgres', dump: null });
	const pgdata = path.join(dataDir, 'pglite');
	if (!existsSync(path.join(pgdata, 'PG_VERSION')))
		throw new BackupError(`${dataDir} holds no embedded database (pglite/); is it a hub's data folder?`);
	const release = claimDataDir(dataDir, 'exostack backup');
	try {
		const { PGlite } = await import('@electric-sql/pglite');
		const client = await PGlite.create(pgdata);
		try {
			// The copy and the listing are taken before createBackup returns; the model files it streams after are immutable.
			return await createBackup({ dataDir, database: 'pglite', dump: () => dumpPglite(client) });
		} finally {
			await client.close();
		}
	} finally {
		release();
	}
}
