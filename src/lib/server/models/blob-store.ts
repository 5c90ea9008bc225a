import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SHA256 } from '../../protocol/ids';

/**
 * Model files stored by their sha256. Content addressing makes a file's URL mean one thing forever,
 * so it can be cached as immutable; identical files in several models are stored once.
 */
export class BlobStore {
	constructor(readonly dir: string) {}

	/**
	 * Copies a file in and returns its digest and size. The copy is hashed, not the source, and only
	 * then renamed to its digest: whatever happens to the source meanwhile (another process rewriting
	 * it), a blob's name always matches its bytes, and a reader never sees a half-written one.
	 */
	async put(source: string): Promise<{ sha256: string; size: number }> {
		await mkdir(this.dir, { recursive: true });
		const tmp = path.join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
		try {
			await copyFile(source, tmp);
			const sha256 = await hashFile(tmp);
			const { size } = await stat(tmp);
			await rename(tmp, this.path(sha256)!);
			return { sha256, size };
		} finally {
			await unlink(tmp).catch(() => {});
		}
	}

	/** Stores bytes already in memory (an upload); returns its digest and size. */
	async putBytes(bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
		await mkdir(this.dir, { recursive: true });
		const sha256 = createHash('sha256').update(bytes).digest('hex');
		if (!(await this.has(sha256))) {
			const tmp = path.join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
			await writeFile(tmp, bytes);
			await rename(tmp, this.path(sha256)!).catch(async (e) => {
				await unlink(tmp).catch(() => {});
				throw e;
			});
		}
		return { sha256, size: bytes.byteLength };
	}

	/** The first `length` bytes of a stored file (fewer if it is shorter), or null when there is none. */
	async head(sha256: string, length: number): Promise<Uint8Array | null> {
		const file = this.path(sha256);
		if (!file) return null;
		const handle = await open(file, 'r').catch(() => null);
		if (!handle) return null;
		try {
			const buffer = new Uint8Array(length);
			const { bytesRead } = await handle.read(buffer, 0, length, 0);
			return buffer.subarray(0, bytesRead);
		} finally {
			await handle.close();
		}
	}

	/** The file for a digest; null for anything that is not a well-formed sha256 (no path tricks). */
	path(sha256: string): string | null {
		return SHA256.test(sha256) ? path.join(this.dir, sha256) : null;
	}

	/**
	 * Removes a blob; true when one was there. The caller must know nothing refers to it any more
	 * (openai/batches/delete-file.ts checks under the blob's lock).
	 */
	async remove(sha256: string): Promise<boolean> {
		const file = this.path(sha256);
		if (!file) return false;
		return unlink(file).then(
			() => true,
			(e: NodeJS.ErrnoException) => {
				if (e.code === 'ENOENT') return false;
				throw e;
			}
		);
	}

	async has(sha256: string): Promise<boolean> {
		const file = this.path(sha256);
		return (
			file !== null &&
			(await stat(file).then(
				(s) => s.isFile(),
				() => false
			))
		);
	}
}

export function hashFile(file: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(file)
			.on('data', (chunk) => hash.update(chunk))
			.on('end', () => resolve(hash.digest('hex')))
			.on('error', reject);
	});
}
