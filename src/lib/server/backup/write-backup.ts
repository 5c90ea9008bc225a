/**
 * Writes a backup: the embedded database and the model store (and the generated admin token) as one
 * gzipped tar, streamed as it is made (backup-manifest.ts describes it).
 *
 * Why the copy is consistent while the hub runs: the database is copied first, in one piece, between
 * transactions (pglite-dump.ts). The model store is listed only after that. Its files are named by
 * their sha256, written under a temporary name and renamed whole, never changed and never deleted,
 * and a model's or an image's row is inserted only once its files are in the store. So every file the
 * copied database refers to was in the store before the copy began and is in the listing, with the
 * bytes its name promises; a file stored after the copy is included too and merely unreferenced.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { SHA256 } from '../../protocol/ids';
import { API_TOKEN_ENTRY, BLOB_PREFIX, DATABASE_ENTRY, MANIFEST_NAME, type BackupFile, type BackupManifest } from './backup-manifest';

export interface BackupSource {
	/** The hub's data folder: `api-token` and the model store's `blobs/` are read from it. */
	dataDir: string;
	database: 'pglite' | 'postgres';
	/** PGlite's consistent copy; null on PostgreSQL, whose database is the operator's to dump. */
	dump: (() => Promise<Blob>) | null;
}

export interface Backup {
	manifest: BackupManifest;
	/** The gzipped tar; it fails (is destroyed with the error) if a file cannot be read. */
	archive: Readable;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function listBlobs(dir: string): Promise<BackupFile[]> {
	const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
	const files: BackupFile[] = [];
	// Only finished blobs: a `.tmp-…` file is one being written, renamed to its digest when whole.
	for (const name of names.filter((n) => SHA256.test(n)).sort()) {
		const s = await stat(path.join(dir, name));
		if (s.isFile()) files.push({ path: BLOB_PREFIX + name, size: s.size, sha256: name });
	}
	return files;
}

/** Takes the copy (database first, then the listing of the model store) and returns it as a stream to write out. */
export async function createBackup(source: BackupSource): Promise<Backup> {
	if ((source.dump === null) !== (source.database === 'postgres')) throw new Error('a PGlite backup needs its dump, and only it');
	const database = source.dump ? new Uint8Array(await (await source.dump()).arrayBuffer()) : null;
	const token = await readFile(path.join(source.dataDir, API_TOKEN_ENTRY)).catch((e: NodeJS.ErrnoException) =>
		e.code === 'ENOENT' ? null : Promise.reject(e)
	);
	const blobs = await listBlobs(path.join(source.dataDir, 'blobs'));
	const inMemory = new Map<string, Uint8Array>();
	if (database) inMemory.set(DATABASE_ENTRY, database);
	if (token) inMemory.set(API_TOKEN_ENTRY, token);
	const manifest: BackupManifest = {
		format: 'exostack-backup',
		version: 1,
		created_at: new Date().toISOString(),
		database: source.database,
		files: [...[...inMemory].map(([p, bytes]) => ({ path: p, size: bytes.byteLength, sha256: sha256(bytes) })), ...blobs]
	};
	const pack = tarPack();
	const gzip = createGzip();
	const archive = new PassThrough();
	pipeline(pack, gzip, archive).catch((e) => archive.destroy(e));
	void (async () => {
		const entry = (name: string, bytes: Uint8Array) =>
			new Promise<void>((resolve, reject) =>
				pack.entry({ name, size: bytes.byteLength, mode: 0o600 }, Buffer.from(bytes), (e) => (e ? reject(e) : resolve()))
			);
		await entry(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest, null, 1)));
		for (const [name, bytes] of inMemory) await entry(name, bytes);
		for (const blob of blobs) {
			// Streamed, not read whole: a model file may be gigabytes. tar-stream fails the entry if its size differs from the listing's.
			await pipeline(
				createReadStream(path.join(source.dataDir, 'blobs', blob.sha256)),
				pack.entry({ name: blob.path, size: blob.size, mode: 0o600 })
			);
		}
		pack.finalize();
	})().catch((e) => {
		pack.destroy(e);
		archive.destroy(e);
	});
	return { manifest, archive };
}
