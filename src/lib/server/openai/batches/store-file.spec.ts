import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db';
import type { Hub } from '../../hub';
import { models } from '../../db/schema';
import { TEST_DB_KINDS } from '../../db/testing';
import { BlobStore } from '../../models/blob-store';
import { seededDatabase } from '../../scheduler/testing';
import { ADMIN } from '../../auth/principal';
import { listFiles, type FilePage } from './file-queries';
import { deleteFile, storeFile } from './store-file';

const blobDir = mkdtempSync(path.join(tmpdir(), 'exostack-file-blobs-'));
afterAll(() => rmSync(blobDir, { recursive: true, force: true }));

describe.each(TEST_DB_KINDS)('Files API storage on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await d.execute(sql`truncate batch_lines, batches, files cascade`);
		},
		(opened) => (db = opened)
	);
	const blobs = new BlobStore(blobDir);
	const hub = () => ({ db, blobs }) as unknown as Hub;
	let n = 0;
	const store = (text: string) =>
		storeFile(hub(), Buffer.from(text), { id: `file-${(n++).toString(16).padStart(24, '0')}`, filename: 'a.jsonl', purpose: 'batch' });
	const onDisk = (sha256: string) => existsSync(blobs.path(sha256)!);

	it('deletes a file with its bytes, but keeps bytes another file shares until that one goes too', async () => {
		const shared = [await store('{"same": 1}\n'), await store('{"same": 1}\n')];
		const alone = await store('{"alone": 1}\n');
		expect(shared[0].sha256).toBe(shared[1].sha256);
		await deleteFile(hub(), alone);
		expect(onDisk(alone.sha256)).toBe(false);
		await deleteFile(hub(), shared[0]);
		expect(onDisk(shared[0].sha256)).toBe(true);
		expect(Buffer.from((await blobs.head(shared[1].sha256, 100))!).toString()).toBe('{"same": 1}\n');
		await deleteFile(hub(), shared[1]);
		expect(onDisk(shared[1].sha256)).toBe(false);
	});

	it("keeps bytes a model's file is made of", async () => {
		const file = await store('{"model": "weights"}\n');
		await db.insert(models).values({
			id: 'holder',
			taskTypes: ['embedding'],
			files: [{ path: 'notes.jsonl', sha256: file.sha256, size: file.bytes }],
			source: 'demo'
		});
		await deleteFile(hub(), file);
		expect(onDisk(file.sha256)).toBe(true);
	});

	it('pages through files in either order, by purpose, without skipping or repeating', async () => {
		const made = [];
		for (let i = 0; i < 5; i++) made.push((await store(`{"n": ${i}}\n`)).id);
		await db.execute(sql`update files set purpose = 'batch_output' where id = ${made[4]}`);
		const walk = async (page: Omit<FilePage, 'after'>) => {
			const seen: string[] = [];
			let after: string | null = null;
			for (;;) {
				const { rows, hasMore } = await listFiles(db, ADMIN, { ...page, after });
				seen.push(...rows.map((r) => r.id));
				if (!hasMore) return seen;
				after = rows.at(-1)!.id;
			}
		};
		expect(await walk({ limit: 2, order: 'asc', purpose: null })).toEqual(made);
		expect(await walk({ limit: 2, order: 'desc', purpose: null })).toEqual([...made].reverse());
		expect(await walk({ limit: 3, order: 'asc', purpose: 'batch' })).toEqual(made.slice(0, 4));
		expect(await listFiles(db, ADMIN, { limit: 10, order: 'desc', purpose: 'batch_output', after: null })).toEqual({
			rows: [expect.objectContaining({ id: made[4] })],
			hasMore: false
		});
		const other = { kind: 'key' as const, id: '00000000-0000-4000-8000-000000000000', quotas: { jobsPerDay: 1, inputsPerDay: 1 } };
		await expect(listFiles(db, other, { limit: 1, order: 'asc', purpose: null, after: made[0] })).rejects.toMatchObject({
			status: 400,
			param: 'after'
		});
	});
});
