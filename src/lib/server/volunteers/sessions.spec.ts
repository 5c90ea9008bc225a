import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { volunteerSessions } from '../db/schema';
import type { Db } from '../db';
import { TEST_DB_KINDS } from '../db/testing';
import { seededDatabase } from '../scheduler/testing';
import { openSession, touchHubSessions, updateSessions } from './sessions';
import { SessionCounters } from './session-counters';
import type { Capabilities } from '../../protocol/volunteer';

const capabilities: Capabilities = {
	agent: 'node',
	backend: 'native',
	webgpu: null,
	cores: 2,
	deviceMemory: 8,
	crossOriginIsolated: false,
	taskTypes: ['embedding']
};

describe.each(TEST_DB_KINDS)('status reports on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			for (const id of ['s1', 's2', 's3'])
				await openSession(d, {
					id,
					volunteerId: `v-${id}`,
					hubId: 'h',
					capabilities,
					mode: 'auto',
					readiness: { score: 10, ready: false },
					readyForAi: false
				});
			// Seen a minute ago: a report must move it.
			await d.execute(sql`update volunteer_sessions set last_seen_at = now() - interval '1 minute'`);
		},
		(opened) => (db = opened)
	);

	it('writes a group of reports in one statement, the later of two for one session winning, and only theirs', async () => {
		await updateSessions(db, [
			{ sessionId: 's1', mode: 'paused', readiness: { score: 20, ready: false }, readyForAi: false },
			{ sessionId: 's2', mode: 'always', readiness: { score: 90, ready: true }, readyForAi: true },
			{ sessionId: 's1', mode: 'always', readiness: { score: 80, ready: true }, readyForAi: true },
			{ sessionId: 'gone', mode: 'always', readiness: { score: 80, ready: true }, readyForAi: true }
		]);
		const rows = await db
			.select({
				id: volunteerSessions.id,
				mode: volunteerSessions.mode,
				score: sql<number>`(${volunteerSessions.readiness}->>'score')::int`,
				ready: volunteerSessions.readyForAi,
				fresh: sql<boolean>`${volunteerSessions.lastSeenAt} > now() - interval '10 seconds'`
			})
			.from(volunteerSessions)
			.orderBy(volunteerSessions.id);
		expect(rows).toEqual([
			{ id: 's1', mode: 'always', score: 80, ready: true, fresh: true },
			{ id: 's2', mode: 'always', score: 90, ready: true, fresh: true },
			{ id: 's3', mode: 'auto', score: 10, ready: false, fresh: false }
		]);
	});

	it("writes every session's counted results in one statement when the counters flush", async () => {
		let statements = 0;
		const counted = new Proxy(db, {
			get(target, key, receiver) {
				const value = Reflect.get(target, key, receiver);
				if (key !== 'execute' && key !== 'update') return value;
				return (...args: unknown[]) => {
					statements++;
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		}) as Db;
		const counters = new SessionCounters(counted);
		counters.count('s1', 5);
		counters.count('s1', 7);
		counters.count('s2', 3);
		counters.count('gone', 1);
		await counters.flush();
		expect(statements).toBe(1);
		const rows = await db
			.select({ id: volunteerSessions.id, tasks: volunteerSessions.tasksDone, throughput: volunteerSessions.throughput })
			.from(volunteerSessions)
			.orderBy(volunteerSessions.id);
		expect(rows).toEqual([
			{ id: 's1', tasks: 2, throughput: 7 },
			{ id: 's2', tasks: 1, throughput: 3 },
			{ id: 's3', tasks: 0, throughput: null }
		]);
		// Nothing pending: a flush sends nothing.
		await counters.flush();
		expect(statements).toBe(1);
	});

	it.runIf(kind === 'postgres')(
		'a flush of the counters passes over a session another statement holds, and writes it with the next',
		async () => {
			const counters = new SessionCounters(db);
			counters.count('s1', 5);
			counters.count('s2', 3);
			counters.count('gone', 1);
			const counts = async () =>
				db
					.select({ id: volunteerSessions.id, tasks: volunteerSessions.tasksDone, throughput: volunteerSessions.throughput })
					.from(volunteerSessions)
					.orderBy(volunteerSessions.id);
			await db.transaction(async (tx) => {
				// As a status report's group holds its rows: the flush must not wait for it (it might wait for the flush).
				await tx.execute(sql`select 1 from volunteer_sessions where id = 's1' for update`);
				const flushed = await Promise.race([counters.flush().then(() => 'done'), new Promise((r) => setTimeout(() => r('waited'), 3_000))]);
				expect(flushed).toBe('done');
			});
			expect(await counts()).toEqual([
				{ id: 's1', tasks: 0, throughput: null },
				{ id: 's2', tasks: 1, throughput: 3 },
				{ id: 's3', tasks: 0, throughput: null }
			]);
			counters.count('s1', 9);
			await counters.close();
			expect(await counts()).toEqual([
				{ id: 's1', tasks: 2, throughput: 9 },
				{ id: 's2', tasks: 1, throughput: 3 },
				{ id: 's3', tasks: 0, throughput: null }
			]);
		}
	);

	/** Whether each session's mark is under 10 s old. */
	const freshness = async () =>
		Object.fromEntries(
			(
				await db
					.select({ id: volunteerSessions.id, fresh: sql<boolean>`${volunteerSessions.lastSeenAt} > now() - interval '10 seconds'` })
					.from(volunteerSessions)
					.orderBy(volunteerSessions.id)
			).map((r) => [r.id, r.fresh])
		);

	it("the hub's heartbeat marks its sessions nothing marked within a heartbeat, and no other hub's", async () => {
		await db.execute(sql`update volunteer_sessions set hub_id = 'other' where id = 's3'`);
		// s2 reported 2 s ago: within a heartbeat of 5 s it needs no mark, and keeps its own.
		await db.execute(sql`update volunteer_sessions set last_seen_at = now() - interval '2 seconds' where id = 's2'`);
		const s2Before = await db.execute(sql`select last_seen_at from volunteer_sessions where id = 's2'`);
		await touchHubSessions(db, 'h', 5_000);
		expect(await freshness()).toEqual({ s1: true, s2: true, s3: false });
		expect(await db.execute(sql`select last_seen_at from volunteer_sessions where id = 's2'`)).toEqual(s2Before);
	});

	it.runIf(kind === 'postgres')('the heartbeat passes over a session another statement holds, without waiting for it', async () => {
		await db.transaction(async (tx) => {
			await tx.execute(sql`select 1 from volunteer_sessions where id = 's1' for update`);
			// Another connection of the pool: it would wait for this transaction's end, which waits for it.
			const touched = await Promise.race([
				touchHubSessions(db, 'h', 5_000).then(() => 'done'),
				new Promise((r) => setTimeout(() => r('waited'), 3_000))
			]);
			expect(touched).toBe('done');
		});
		expect(await freshness()).toEqual({ s1: false, s2: true, s3: true });
	});
});
