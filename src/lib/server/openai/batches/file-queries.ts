/** The Files API's rows: each file its owner's alone (another's is a 404, as if it did not exist). */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import { files } from '../../db/schema';
import { FILE_PURPOSES, type FilePurpose } from '../../db/schema/states';
import type { BlobStore } from '../../models/blob-store';
import { ownerOf, type Principal } from '../../auth/principal';
import { OpenAiError } from '../errors';
import { FILE_ID } from './ids';

export type FileRow = typeof files.$inferSelect;

/** The rows of `principal`'s own files: the admin's are those without an owner key. */
export function ownedBy(principal: Principal) {
	const owner = ownerOf(principal);
	return owner === null ? isNull(files.ownerKeyId) : eq(files.ownerKeyId, owner);
}

/** The caller's file `id`, or a 404 naming `param`. */
export async function requireFile(db: Db, principal: Principal, id: string, param: string | null = null): Promise<FileRow> {
	const [row] = FILE_ID.test(id)
		? await db
				.select()
				.from(files)
				.where(and(eq(files.id, id), ownedBy(principal)))
		: [];
	if (!row) throw new OpenAiError(404, `No such File object: ${id.slice(0, 64)}`, 'invalid_request_error', param, 'not_found');
	return row;
}

/** `purpose` comes from the query string: one no file can have lists nothing. */
export function listFiles(db: Db, principal: Principal, purpose?: string): Promise<FileRow[]> {
	const known = (p: string): p is FilePurpose => (FILE_PURPOSES as readonly string[]).includes(p);
	const ofPurpose = purpose === undefined || purpose === '' ? undefined : known(purpose) ? eq(files.purpose, purpose) : sql`false`;
	return db
		.select()
		.from(files)
		.where(and(ownedBy(principal), ofPurpose))
		.orderBy(desc(files.createdAt), desc(files.id));
}

/** A file's bytes from the blob store, or null when they are gone. */
export async function fileBytes(blobs: BlobStore, row: FileRow): Promise<Uint8Array | null> {
	return blobs.head(row.sha256, row.bytes);
}

/** OpenAI's File object. */
export function fileObject(row: FileRow) {
	return {
		id: row.id,
		object: 'file' as const,
		bytes: row.bytes,
		created_at: Math.floor(row.createdAt.getTime() / 1000),
		filename: row.filename,
		purpose: row.purpose,
		status: 'processed' as const,
		expires_at: null,
		status_details: null
	};
}
