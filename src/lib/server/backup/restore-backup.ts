/**
 * Restores a backup into a fresh data folder, and checks one without restoring it. Every file is
 * written to a path computed from the manifest's rules (backup-manifest.ts), created exclusively and
 * owner-only; a file whose bytes do not match the manifest stops the restore, and a failed restore
 * leaves the folder as it found it (empty, or absent).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { secureDataDir } from '../data-dir';
import { claimDataDir } from '../data-dir-lock';
import { loadPglite } from '../db/pglite-dump';
import { API_TOKEN_ENTRY, BLOB_PREFIX, DATABASE_ENTRY, type BackupManifest } from './backup-manifest';
import { BackupError, readBackup } from './read-backup';
import { checkDatabaseTar } from './check-database-tar';

async function collect(bytes: AsyncIterable<Buffer>): Promise<Buffer<ArrayBuffer>> {
	const chunks: Buffer[] = [];
	for await (const chunk of bytes) chunks.push(chunk);
	return Buffer.concat(chunks);
}

/** Reads the whole archive and checks every file against its manifest, writing nothing. */
export function verifyBackup(archive: string): Promise<BackupManifest> {
	return readBackup(createReadStream(archive), async (_file, bytes) => {
		for await (const chunk of bytes) void chunk;
	});
}

/** Restores `archive` into `dataDir`, which must be absent or empty. */
export async function restoreBackup(archive: string, dataDir: string): Promise<BackupManifest> {
	const existing = await readdir(dataDir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
	if (existing?.length)
		throw new BackupError(`${dataDir} is not empty: restore into a new folder (a restore never merges into a hub's data)`);
	await mkdir(dataDir, { recursive: true, mode: 0o700 });
	const release = claimDataDir(dataDir, 'exostack restore');
	try {
		await mkdir(path.join(dataDir, 'blobs'), { mode: 0o700 });
		// Set by the callback below (a let the compiler would otherwise narrow to null).
		let database = null as Buffer<ArrayBuffer> | null;
		const manifest = await readBackup(createReadStream(archive), async (file, bytes) => {
			if (file.path === DATABASE_ENTRY) database = await collect(bytes);
			else if (file.path === API_TOKEN_ENTRY)
				await writeFile(path.join(dataDir, 'api-token'), await collect(bytes), { flag: 'wx', mode: 0o600 });
			else {
				// The manifest's rules made this `blobs/<sha256>`, and the sha256 is checked as the bytes pass.
				const blob = path.join(dataDir, 'blobs', file.path.slice(BLOB_PREFIX.length));
				await pipeline(Readable.from(bytes), createWriteStream(blob, { flags: 'wx', mode: 0o600 }));
			}
		});
		if (database) {
			await checkDatabaseTar(database);
			await loadPglite(path.join(dataDir, 'pglite'), new Blob([database]));
		}
		secureDataDir(dataDir);
		return manifest;
	} catch (e) {
		// The folder was empty or absent: put it back so, and a retry starts clean.
		if (existing) await Promise.all((await readdir(dataDir)).map((name) => rm(path.join(dataDir, name), { recursive: true, force: true })));
		else await rm(dataDir, { recursive: true, force: true });
		throw e;
	} finally {
		release();
	}
}
