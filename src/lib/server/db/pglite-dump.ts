/**
 * PGlite's data folder as a tarball, and back: the embedded database's backup. PGlite is
 * single-process, so while a hub runs only that hub can copy it consistently.
 */
import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite's dumpDataDir() copies the folder inside its query lock, so no statement runs during the
 * copy; but a transaction's statements each take that lock on their own, so a copy could still fall
 * between two statements of one transaction. Taking the transaction lock around it as well puts the
 * copy between transactions: it holds every committed one and no half of any. What is in it that has
 * not reached the data files yet is in the write-ahead log, which PostgreSQL replays when the copy
 * is opened, as after a power cut.
 */
export function dumpPglite(client: PGlite): Promise<Blob> {
	return client._runExclusiveTransaction(() => client.dumpDataDir('none'));
}

/** Creates PGlite's folder `dir` (which must not hold a database) from a dump, and checks that it opens. */
export async function loadPglite(dir: string, dump: Blob): Promise<void> {
	const { PGlite } = await import('@electric-sql/pglite');
	const client = await PGlite.create(dir, { loadDataDir: dump });
	try {
		await client.query('select 1');
	} finally {
		await client.close();
	}
}
