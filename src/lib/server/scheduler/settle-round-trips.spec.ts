/**
 * Round trips of a chunk's settlement on PostgreSQL: the statements that do not depend on each other's
 * answers go out together. Counted as the hub's writes through a TCP relay (db/testing-relay.ts), on one
 * connection whose statements were prepared by a first run (a statement's first use on a connection costs a
 * round trip of its own to describe it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../db';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from '../db/testing';
import { PgRelay } from '../db/testing-relay';
import { tasks } from '../db/schema';
import { makeJob, seedModel, seedVolunteers } from './testing';
import { VolunteerTally } from './volunteer-tally';
import { recordVerdicts } from './record-verdicts';

describe.skipIf(testServerUrl() === null)('settling a chunk on PostgreSQL', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let database: Database | null = null;
	let relay: PgRelay | null = null;
	afterEach(async () => {
		await database?.close();
		await relay?.close();
		await empty?.drop();
	});

	/** The writes the hub sends for `work` in a transaction: BEGIN, then work's, then COMMIT. */
	async function writesOf(db: Db, work: (tx: Db) => Promise<unknown>): Promise<number> {
		const before = relay!.writes.length;
		await db.transaction(async (tx) => {
			await work(tx);
		});
		return relay!.writes.length - before;
	}

	it("writes the volunteers' tallies, and an accepted chunk's verdicts and credit, in one round trip each", async () => {
		empty = await emptyPostgresDatabase();
		const opened = await PgRelay.open(empty!.url);
		relay = opened.relay;
		database = await openDatabase({ url: opened.url, poolSize: 1 });
		const { db } = database;
		await seedModel(db);
		await seedVolunteers(db, ['v1', 'v2', 'v3']);
		const { id: jobId } = await makeJob(db, 2, { chunkSize: 1 });
		const [first, second] = (await db.select({ id: tasks.id }).from(tasks).orderBy(tasks.id)).map((t) => t.id);

		const tallyOfThree = () => {
			const tally = new VolunteerTally();
			for (const v of ['v3', 'v1', 'v2']) tally.add(v, { tasks: 1, inputs: 1 });
			return tally;
		};
		await writesOf(db, (tx) => tallyOfThree().apply(tx));
		// BEGIN with the three volunteers' rows (in their fixed order), then COMMIT. One round trip a row would
		// take four writes.
		expect(await writesOf(db, (tx) => tallyOfThree().apply(tx))).toBe(2);

		const verdicts = (taskId: number) => (tx: Db) => {
			const judged = [{ taskId, volunteerId: 'v1', backendClass: 'wasm' }];
			return recordVerdicts(tx, new VolunteerTally(), jobId, judged, judged, 1);
		};
		await writesOf(db, verdicts(first));
		// BEGIN with the verdicts and the credit, then COMMIT (three writes when the credit waited for the verdicts).
		expect(await writesOf(db, verdicts(second))).toBe(2);
	});
});
