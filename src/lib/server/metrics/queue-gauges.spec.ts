import { describe, expect, it } from 'vitest';
import type { Db } from '../db';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import { claimFor, makeJob, seedModel, seedVolunteers, seededDatabase } from '../scheduler/testing';
import { registry } from './registry';
import { refreshQueueGauges } from './queue-gauges';

/** The queue gauges' values, as /metrics renders them. */
async function gauges() {
	const text = await registry.metrics();
	const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
	return {
		queued: value('exostack_tasks{state="queued"}'),
		leased: value('exostack_tasks{state="leased"}'),
		jobsQueued: value('exostack_jobs{status="queued"}'),
		jobsRunning: value('exostack_jobs{status="running"}')
	};
}

describe.each(TEST_DB_KINDS)('queue gauges on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v1']);
		},
		(d) => (db = d)
	);

	it('count the open tasks and jobs in the database, a state with none as 0', async () => {
		await makeJob(db, 6); // three chunks of two
		await makeJob(db, 2);
		await claimFor(db, 'v1', { slots: 2 });
		await refreshQueueGauges(db);
		// The claim took the first chunks of both jobs (round-robin), so both are running.
		expect(await gauges()).toEqual({ queued: 2, leased: 2, jobsQueued: 0, jobsRunning: 2 });
	});

	it('read the database at most once a second, however often /metrics is scraped', async () => {
		const aSecond = () => new Promise((r) => setTimeout(r, 1100));
		await aSecond(); // past the previous test's read
		await refreshQueueGauges(db);
		expect((await gauges()).queued).toBe(0);
		await makeJob(db, 4);
		await refreshQueueGauges(db);
		expect((await gauges()).queued).toBe(0);
		await aSecond();
		await refreshQueueGauges(db);
		expect(await gauges()).toMatchObject({ queued: 2, jobsQueued: 1 });
	});
});

describe('queue gauges without a database', () => {
	it('are dropped, and the rest of the metrics still rendered, when the database cannot be read', async () => {
		const database = await openTestDatabase('pglite');
		await refreshQueueGauges(database.db);
		expect((await gauges()).queued).toBe(0);
		await database.close();
		await new Promise((r) => setTimeout(r, 1100));
		await expect(refreshQueueGauges(database.db)).resolves.toBeUndefined();
		const text = await registry.metrics();
		expect(text).not.toMatch(/^exostack_tasks\{/m);
		expect(text).toMatch(/^exostack_process_cpu_seconds_total /m);
	});
});
