/**
 * A backup is a gzipped tar: `manifest.json` first, then the files it lists, each with its size and
 * sha256. The manifest is the archive's contract, and the only paths an archive may hold are the
 * ones named here: a restore writes each file to a path it computes from these rules, never to a
 * name it read from the archive.
 */
import { z } from 'zod';
import { SHA256 } from '../../protocol/ids';

export const MANIFEST_NAME = 'manifest.json';
/** PGlite's data folder as its own tarball (pglite-dump.ts). */
export const DATABASE_ENTRY = 'database/pglite.tar';
/** The admin token, when the hub generated it and keeps it in its data folder. */
export const API_TOKEN_ENTRY = 'api-token';
export const BLOB_PREFIX = 'blobs/';
/** A manifest lists a few thousand files at most; anything much larger is not one of ours. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const entryPath = z.string().refine((p) => p === DATABASE_ENTRY || p === API_TOKEN_ENTRY || isBlobEntry(p), 'is not a path a backup holds');

export function isBlobEntry(p: string): boolean {
	return p.startsWith(BLOB_PREFIX) && SHA256.test(p.slice(BLOB_PREFIX.length));
}

export const BackupFile = z.strictObject({
	path: entryPath,
	size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	sha256: z.string().regex(SHA256)
});
export type BackupFile = z.infer<typeof BackupFile>;

export const BackupManifest = z
	.strictObject({
		format: z.literal('exostack-backup'),
		version: z.literal(1),
		created_at: z.iso.datetime(),
		/** `pglite`: the database is in the archive; `postgres`: it is the operator's (pg_dump), and only the model store is. */
		database: z.enum(['pglite', 'postgres']),
		files: z.array(BackupFile).max(1_000_000)
	})
	.superRefine((m, ctx) => {
		const seen = new Set<string>();
		for (const [i, f] of m.files.entries()) {
			if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${f.path} is listed twice` });
			seen.add(f.path);
			// A blob's name is its content's sha256: the model store serves it by that name as immutable.
			if (isBlobEntry(f.path) && f.path !== BLOB_PREFIX + f.sha256)
				ctx.addIssue({ code: 'custom', path: ['files', i, 'sha256'], message: `${f.path} is not named for its sha256` });
		}
		const hasDatabase = seen.has(DATABASE_ENTRY);
		if (hasDatabase !== (m.database === 'pglite'))
			ctx.addIssue({
				code: 'custom',
				path: ['files'],
				message: hasDatabase ? 'a postgres backup holds no database file' : 'a pglite backup lacks its database file'
			});
	});
export type BackupManifest = z.infer<typeof BackupManifest>;
