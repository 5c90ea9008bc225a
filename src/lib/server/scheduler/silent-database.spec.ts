/**
 * A database connection that goes silent in the middle of a claim: a failover or a network that drops
 * packets closes nothing, so the driver waits for TCP to give up (many minutes) and PostgreSQL keeps the
 * transaction's locks until its own keepalive does (two hours by default). Neither may stop dispatch:
 * - the hub process gives the claim's turn back at its deadline and hands out work to the next volunteers
 *   (claim-gate.ts), and gives back the leases the silent claim grants if it ever ends;
 * - PostgreSQL ends the silent session after idle_in_transaction_session_timeout (db/index.ts), so the
 *   rows and the volunteer the claim had locked are free for claims of other hub processes.
 *
 * The silence is real: a TCP relay (db/testing-relay.ts) stops carrying one connection both ways from the
 * write that carries the claim's leases, after its reads were answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from '../db';
import { tasks } from '../db/schema';
import { rowsOf } from '../db/rows';
import { DatabaseTimeout } from '../db/reach';
import { emptyPostgresDatabase, testServerUrl, type EmptyPostgresDatabase } from '../db/testing';
import { PgRelay } from '../db/testing-relay';
import { quiet } from '../notifier';
import { startTestHub, type TestHub } from '../realtime/testing';
import { openSession } from '../volunteers/sessions';
import { nodeCapabilities } from '../../headless/headless-volunteer';
import { VolunteerWork } from './volunteer-work';
import type { WorkSession } from './work-types';
import { claimFor, makeJob, seedModel, seedVolunteers } from './testing';

/** The claim's lease statement: its text on a connection it was never prepared on, as every connection here is. */
const leaseWrite = (data: string) => data.includes('gen_random_uuid()');

async function leasedTo(db: Db, volunteerId: string): Promise<number> {
	return (await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.leaseVolunteer, volunteerId))).length;
}

async function attempts(db: Db): Promise<number> {
	return Number(rowsOf<{ n: string }>(await db.execute(sql`select coalesce(sum(attempts), 0) as n from tasks`))[0].n);
}

describe.skipIf(testServerUrl() === null)('a database connection silent in the middle of a claim', () => {
	let empty: EmptyPostgresDatabase | null = null;
	let relay: PgRelay | null = null;
	let testHub: TestHub | null = null;
	const databases: Database[] = [];
	afterEach(async () => {
		relay?.heal();
		await testHub?.stop();
		// Before the pools close: a connection still silent would hold their end for its timeout.
		await relay?.close();
		for (const d of databases.splice(0)) await d.close();
		await empty?.drop();
		testHub = relay = empty = null;
	});

	it('gives the claim turn to the next volunteer at the deadline, and gives back what the silent claim leased once it ends', async () => {
		empty = await emptyPostgresDatabase();
		const opened = await PgRelay.open(empty!.url);
		relay = opened.relay;
		testHub = await startTestHub({ databaseUrl: opened.url, env: { EXOSTACK_CLAIM_DEADLINE_MS: '300' } });
		const { hub } = testHub;
		const work = new VolunteerWork(hub, quiet);
		const session = async (name: string): Promise<WorkSession> => {
			const s: WorkSession = {
				sessionId: `s-${name}`,
				volunteerId: `v-${name}`,
				capabilities: nodeCapabilities(),
				mode: 'always',
				readiness: { score: 90, ready: true },
				gateOpen: true,
				network: `net-${name}`
			};
			await openSession(hub.db, { ...s, id: s.sessionId, hubId: hub.id, readyForAi: true });
			return s;
		};
		const [silent, other] = [await session('silent'), await session('other')];
		// More tasks than the silent claim's walk locks (four for its one slot, claim-tasks.ts): those it holds are skipped.
		await testHub.submit(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], { chunk_size: 1 });

		const silenced = relay.silence(leaseWrite);
		const started = performance.now();
		const first = work.lease(silent, { slots: 1 }).then(
			(t) => t,
			(e: unknown) => e
		);
		await silenced;
		// Asked while the silent claim holds the one claim turn.
		const second = await work.lease(other, { slots: 1 });
		expect(second).toHaveLength(1);
		expect(await first).toBeInstanceOf(DatabaseTimeout);
		expect(performance.now() - started).toBeLessThan(5000);
		expect(await leasedTo(hub.db, 'v-other')).toBe(1);
		expect(await attempts(hub.db)).toBe(1);

		// The connection comes back: the silent claim commits its lease, which nobody will run, and the hub gives it back.
		relay.heal();
		await expect.poll(() => attempts(hub.db), { timeout: 5000 }).toBe(2);
		await expect.poll(() => leasedTo(hub.db, 'v-silent'), { timeout: 5000 }).toBe(0);
		const states = rowsOf<{ state: string; n: string }>(
			await hub.db.execute(sql`select state, count(*) as n from tasks group by state order by state`)
		);
		expect(states.map((r) => [r.state, Number(r.n)])).toEqual([
			['leased', 1],
			['queued', 7]
		]);
	});

	it("is ended by PostgreSQL, so another hub process's claim gets the rows and the volunteer it had locked", async () => {
		empty = await emptyPostgresDatabase();
		const opened = await PgRelay.open(empty!.url);
		relay = opened.relay;
		const direct = await openDatabase({ url: empty!.url });
		databases.push(direct);
		await seedModel(direct.db);
		await seedVolunteers(direct.db, ['v0']);
		await makeJob(direct.db, 1, { chunkSize: 1 });
		const viaRelay = await openDatabase({ url: opened.url, idleInTransactionMs: 1000 });
		databases.push(viaRelay);

		const silenced = relay.silence(leaseWrite);
		// Never answered: its connection stays silent. It holds v0's claim lock and the one task's row lock.
		void claimFor(viaRelay.db, 'v0').catch(() => {});
		await silenced;
		const started = performance.now();
		// The same volunteer on another session, through another hub process: it waits for those locks, then takes the task.
		const claimed = await claimFor(direct.db, 'v0', { sessionId: 'another-session' });
		const waited = performance.now() - started;
		expect(claimed).toHaveLength(1);
		expect(waited).toBeGreaterThan(500);
		expect(waited).toBeLessThan(10_000);
	});
});
