/**
 * Reads a backup archive as a claim to check, not a set of instructions: the manifest must come
 * first and be valid, every later entry must be a plain file the manifest lists, once, of the size
 * it lists, and its bytes must hash to the listed sha256. Anything else (a path outside the layout,
 * `../`, a symlink or hard link, a device, a directory, a file the manifest does not name, an entry
 * missing at the end) stops the read with an error naming it.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { BackupManifest, MANIFEST_NAME, MAX_MANIFEST_BYTES, type BackupFile } from './backup-manifest';

export class BackupError extends Error {}

/** An archive entry as tar-stream hands it out (its own type for this is not exported). */
type Entry = AsyncIterable<unknown> & { header: Header };

/** Receives each listed file's bytes, checked as they pass: the iterable throws before its end if they are not the listed ones. */
export type FileSink = (file: BackupFile, bytes: AsyncIterable<Buffer>) => Promise<void>;

async function* checked(entry: Entry, file: BackupFile): AsyncGenerator<Buffer> {
	const hash = createHash('sha256');
	let size = 0;
	for await (const data of entry) {
		const chunk = data as Buffer;
		size += chunk.byteLength;
		if (size > file.size) throw new BackupError(`${file.path}: longer than the manifest's ${file.size} bytes`);
		hash.update(chunk);
		yield chunk;
	}
	if (size !== file.size) throw new BackupError(`${file.path}: ${size} bytes, the manifest lists ${file.size}`);
	if (hash.digest('hex') !== file.sha256)
		throw new BackupError(`${file.path}: its sha256 is not the manifest's (the archive is damaged or altered)`);
}

async function readManifest(entry: Entry): Promise<BackupManifest> {
	const size = entry.header.size ?? 0;
	if (entry.header.name !== MANIFEST_NAME || entry.header.type !== 'file')
		throw new BackupError(`not an ExoStack backup: it does not begin with ${MANIFEST_NAME}`);
	if (size > MAX_MANIFEST_BYTES) throw new BackupError(`${MANIFEST_NAME}: ${size} bytes, more than a manifest holds`);
	const chunks: Buffer[] = [];
	for await (const chunk of entry) chunks.push(chunk as Buffer);
	let json: unknown;
	try {
		json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
	} catch {
		throw new BackupError(`${MANIFEST_NAME}: not JSON`);
	}
	const parsed = BackupManifest.safeParse(json);
	if (!parsed.success) {
		const first = parsed.error.issues[0];
		throw new BackupError(`${MANIFEST_NAME}: ${first.path.join('.')}: ${first.message}`);
	}
	return parsed.data;
}

/** Reads and checks a whole archive, handing each listed file to `sink`; returns the manifest once every file has been seen. */
export async function readBackup(input: Readable, sink: FileSink): Promise<BackupManifest> {
	const extract = tarExtract();
	const piped = pipeline(input, createGunzip(), extract);
	// Read by the loop below; kept from being an unhandled rejection when the loop stops first.
	piped.catch(() => {});
	let manifest: BackupManifest | null = null;
	const pending = new Map<string, BackupFile>();
	try {
		for await (const entry of extract) {
			if (!manifest) {
				manifest = await readManifest(entry);
				for (const f of manifest.files) pending.set(f.path, f);
				continue;
			}
			const { name, type, size } = entry.header;
			const file = pending.get(name);
			if (type !== 'file') throw new BackupError(`${JSON.stringify(name)}: a ${type ?? 'strange'} entry; a backup holds plain files only`);
			if (!file) throw new BackupError(`${JSON.stringify(name)}: not listed in the manifest (or listed once and seen twice)`);
			if (size !== file.size) throw new BackupError(`${name}: ${size} bytes, the manifest lists ${file.size}`);
			pending.delete(name);
			await sink(file, checked(entry, file));
		}
		await piped;
	} catch (e) {
		extract.destroy();
		if (e instanceof BackupError) throw e;
		throw new BackupError(`the archive cannot be read: ${(e as Error).message}`);
	}
	if (!manifest) throw new BackupError('the archive is empty');
	if (pending.size)
		throw new BackupError(`the archive ends before ${[...pending.keys()].slice(0, 3).join(', ')}${pending.size > 3 ? ' …' : ''}`);
	return manifest;
}
