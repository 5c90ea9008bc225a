/**
 * The database file of a backup is itself a tar (PGlite's dumpDataDir), which PGlite unpacks into
 * the new data folder by the names inside it. Its sha256 only proves it is the file the manifest
 * lists, and a crafted archive writes its own manifest; so before PGlite sees it, every entry must be
 * a plain file or folder under the database's own folder: no `..`, no links, no devices.
 */
import { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { DATABASE_ENTRY } from './backup-manifest';
import { BackupError } from './read-backup';

/** What PGlite writes: `/PG_VERSION`, `/base/1/112`, `/pg_wal/…` (a leading slash: relative to the database folder). */
const SAFE_NAME = /^\/?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\/?$/;

export async function checkDatabaseTar(bytes: Buffer): Promise<void> {
	const extract = tarExtract();
	Readable.from([bytes]).pipe(extract);
	let version = false;
	try {
		for await (const entry of extract) {
			const { name, type } = entry.header;
			if (type !== 'file' && type !== 'directory') throw new BackupError(`${DATABASE_ENTRY}: ${JSON.stringify(name)} is a ${type} entry`);
			if (!SAFE_NAME.test(name) || name.split('/').includes('..'))
				throw new BackupError(`${DATABASE_ENTRY}: ${JSON.stringify(name)} is not a path inside the database folder`);
			version ||= type === 'file' && name.replace(/^\//, '') === 'PG_VERSION';
			entry.resume();
		}
	} catch (e) {
		extract.destroy();
		throw e instanceof BackupError ? e : new BackupError(`${DATABASE_ENTRY}: not a tar: ${(e as Error).message}`);
	}
	// Without it PGlite would make a new, empty database and the restore would seem to succeed.
	if (!version) throw new BackupError(`${DATABASE_ENTRY}: not a PostgreSQL data folder (no PG_VERSION)`);
}
