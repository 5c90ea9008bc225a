/** The Files API's rows: each file its owner's alone (another's is a 404, as if it did not exist). */
import type { FileObject } from '../../../protocol/rest/openai';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import { files } from '../../db/schema';
import { FILE_PURPOSES, type FilePurpose } from '../../db/schema/states';
import type { BlobStore } from '../../models/blob-store';
import { ownerOf, type Principal } from '../../auth/principal';
import { OpenAiError, invalidParam } from '../errors';
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

/** `purpose` comes from the query string: one no file can have (an unknown word, a NUL) lists nothing, without asking. */
function ofPurpose(purpose: string | null) {
	const known = (p: string): p is FilePurpose => (FILE_PURPOSES as readonly string[]).includes(p);
	return purpose === null ? undefined : known(purpose) ? eq(files.purpose, purpose) : sql`false`;
}

export interface FilePage {
	after: string | null;
	limit: number;
	order: 'asc' | 'desc';
	purpose: string | null;
}

/**
 * A page of the caller's files by creation time (`order`), after the file `after` (OpenAI's cursor, which
 * must be one of the caller's own), and whether more follow.
 */
export async function listFiles(db: Db, principal: Principal, page: FilePage): Promise<{ rows: FileRow[]; hasMore: boolean }> {
	let cursor = undefined;
	if (page.after !== null) {
		const [from] = FILE_ID.test(page.after)
			? await db
					.select()
					.from(files)
					.where(and(eq(files.id, page.after), ownedBy(principal)))
			: [];
		if (!from) throw invalidParam('after', `after: no file ${page.after.slice(0, 64)} of yours`);
		// Compared in SQL: a JS Date keeps milliseconds, the column microseconds, and files made in the same
		// millisecond must not be skipped or repeated.
		const past = sql.raw(page.order === 'asc' ? '>' : '<');
		cursor = sql`(${files.createdAt}, ${files.id}) ${past} (select f.created_at, f.id from files f where f.id = ${from.id})`;
	}
	const by = page.order === 'asc' ? asc : desc;
	const rows = await db
		.select()
		.from(files)
		.where(and(ownedBy(principal), ofPurpose(page.purpose), cursor))
		.orderBy(by(files.createdAt), by(files.id))
		.limit(page.limit + 1);
	return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

/** A file's bytes from the blob store, or null when they are gone. */
export async function fileBytes(blobs: BlobStore, row: FileRow): Promise<Uint8Array | null> {
	return blobs.head(row.sha256, row.bytes);
}

/** OpenAI's File object. */
export function fileObject(row: FileRow): FileObject {
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
