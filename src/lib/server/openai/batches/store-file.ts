/**
 * A Files API file's bytes go in and out of the content-addressed blob store, where identical bytes are
 * one blob however many files (or models) hold them. Storing and deleting take the same lock on the
 * blob, so a delete that finds no other reference cannot remove bytes that an upload of the same
 * content just found already there and is about to give a row.
 */
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import type { Hub } from '../../hub';
import { files, models } from '../../db/schema';
import type { FileRow } from './file-queries';

/** Serialises the writers of one blob's references for the rest of transaction `tx`. */
async function lockBlob(tx: Db, sha256: string): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`blob:${sha256}`}))`);
}

/** Stores `bytes` and the row that makes them a file (`row` without its digest and size); returns the row. */
export async function storeFile(hub: Hub, bytes: Uint8Array, row: Omit<typeof files.$inferInsert, 'sha256' | 'bytes'>): Promise<FileRow> {
	const digest = createHash('sha256').update(bytes).digest('hex');
	return hub.db.transaction(async (tx) => {
		await lockBlob(tx, digest);
		const { sha256, size } = await hub.blobs.putBytes(bytes);
		const [stored] = await tx
			.insert(files)
			.values({ ...row, sha256, bytes: size })
			.returning();
		return stored;
	});
}

/**
 * Deletes file `row` and, when no other file and no model refers to its blob, the blob's bytes too
 * (a batch's input file can hold someone's private data: deleting it must delete it). Job inputs never
 * name a file's blob: stored images are PNG or JPEG, which no JSONL file is.
 */
export async function deleteFile(hub: Hub, row: FileRow): Promise<void> {
	await hub.db.transaction(async (tx) => {
		await lockBlob(tx, row.sha256);
		await tx.delete(files).where(eq(files.id, row.id));
		const [file] = await tx.select({ id: files.id }).from(files).where(eq(files.sha256, row.sha256)).limit(1);
		const [model] = await tx
			.select({ id: models.id })
			.from(models)
			.where(sql`${models.files} @> ${JSON.stringify([{ sha256: row.sha256 }])}::jsonb`)
			.limit(1);
		// Still in the transaction: if the unlink fails, the row comes back with its bytes.
		if (!file && !model) await hub.blobs.remove(row.sha256);
	});
}
