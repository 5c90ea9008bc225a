/**
 * `exostack backup` and `exostack restore`. A backup is asked of the running hub, the only process
 * that can copy its embedded database consistently, or, given --data-dir, taken from a folder no hub
 * runs on. Either way it is written beside its final name, read back and checked against its
 * manifest, and only then renamed: a file with the final name is a whole, checked backup.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupManifest } from '../server/backup/backup-manifest';
import { restoreBackup, verifyBackup } from '../server/backup/restore-backup';
import { backupDataDir } from '../server/backup/take-backup';
import { loadConfig } from '../server/config';
import { CliError, type HubClient } from './hub-client';
import type { Io } from './commands';

const POSTGRES_NOTE = 'the database is on PostgreSQL and not in this archive: back it up with pg_dump (and restore it with pg_restore)';

const size = (m: BackupManifest) => `${(m.files.reduce((n, f) => n + f.size, 0) / 1024 ** 2).toFixed(1)} MiB`;

async function archiveStream(o: { hub: HubClient | null; dataDir?: string }, env: NodeJS.ProcessEnv): Promise<Readable> {
	if (o.dataDir) {
		let databaseUrl: string | null;
		try {
			databaseUrl = loadConfig(env).databaseUrl;
		} catch (e) {
			throw new CliError((e as Error).message);
		}
		return (await backupDataDir(path.resolve(o.dataDir), databaseUrl)).archive;
	}
	const res = await o.hub!.use((api) => api.send('/api/backup', { method: 'POST' }));
	if (!res.body || res.headers.get('content-type') !== 'application/gzip')
		throw new CliError(`${o.hub!.url} did not answer with a backup archive`);
	return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

export async function backupCommand(
	o: { file?: string; hub: HubClient | null; dataDir?: string },
	io: Io,
	env: NodeJS.ProcessEnv
): Promise<number> {
	const file = o.file ?? `exostack-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
	const partial = `${file}.partial`;
	try {
		const archive = await archiveStream(o, env);
		// Owner-only: the archive holds the database, whose keys sign volunteers' identities, and the admin token.
		await pipeline(archive, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
		const manifest = await verifyBackup(partial);
		await rename(partial, file);
		io.out.write(`${file}: ${manifest.files.length} files, ${size(manifest)}, checked\n`);
		if (manifest.database === 'postgres') io.err.write(`exostack: ${POSTGRES_NOTE}\n`);
		return 0;
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await rm(partial, { force: true });
		throw e instanceof CliError ? e : new CliError(`backup failed: ${(e as Error).message}`);
	}
}

export async function restoreCommand(o: { archive?: string; dataDir?: string }, io: Io): Promise<number> {
	if (!o.archive || !o.dataDir) throw new CliError('usage: exostack restore <archive> --data-dir <new folder>', 2);
	const dataDir = path.resolve(o.dataDir);
	let manifest: BackupManifest;
	try {
		manifest = await restoreBackup(o.archive, dataDir);
	} catch (e) {
		throw new CliError(`restore failed: ${(e as Error).message}`);
	}
	io.out.write(`restored ${manifest.files.length} files (${size(manifest)}) of the backup made ${manifest.created_at} into ${dataDir}\n`);
	io.out.write(`start a hub on it: EXOSTACK_DATA_DIR=${dataDir} npm start\n`);
	if (manifest.database === 'postgres') io.err.write(`exostack: ${POSTGRES_NOTE}\n`);
	return 0;
}
