/** The interactive lane against real PostgreSQL and PGlite: claim order, the lane's extra lease, who is nudged. */
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { volunteerSessions } from '../db/schema';
import type { Db } from '../db';
import { TEST_DB_KINDS } from '../db/testing';
import { claimFor, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';
import { laneTakers, laneTargets } from './interactive-lane';
import { quiet } from '../notifier';

/** Sessions older than this are stale (volunteers/sessions.ts's sessionStaleMs of the default 10 s heartbeat). */
const STALE_MS = 30_000;

describe.each(TEST_DB_KINDS)('interactive lane on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v1', 'v2', 'v3']);
		},
		(opened) => (db = opened)
	);

	it('leases an interactive task before the queued tasks of earlier high-priority jobs', async () => {
		const { id: batch } = await makeJob(db, 8, { priority: 'high' });
		await makeJob(db, 8, { priority: 'normal' });
		const { id: interactive } = await makeJob(db, 1, { priority: 'interactive' });
		expect((await claimFor(db, 'v1')).map((t) => t.jobId)).toEqual([interactive]);
		// Then batch work, highest priority first, as before.
		expect((await claimFor(db, 'v2')).map((t) => t.jobId)).toEqual([batch]);
	});

	it('gives a session at its cap one more lease on the lane, of interactive work only', async () => {
		await makeJob(db, 8, { priority: 'high' });
		const held = await claimFor(db, 'v1', { slots: 2, maxHeld: 2 });
		expect(held).toHaveLength(2);
		// Past its cap, the lane has nothing for it while no interactive work is queued, and batch work stays out of reach.
		expect(await claimFor(db, 'v1', { slots: 1, maxHeld: 2 })).toEqual([]);
		expect(await claimFor(db, 'v1', { slots: 1, maxHeld: 2, lane: 'interactive' })).toEqual([]);
		const { id: interactive } = await makeJob(db, 4, { priority: 'interactive' });
		// Asking for more on the lane still brings one: the lane holds a single task beyond the cap.
		const lane = await claimFor(db, 'v1', { slots: 4, maxHeld: 2, lane: 'interactive' });
		expect(lane.map((t) => t.jobId)).toEqual([interactive]);
		expect(await claimFor(db, 'v1', { slots: 1, maxHeld: 2, lane: 'interactive' })).toEqual([]);
	});

	it('nudges ready sessions that run the task type, those holding the fewest leases first', async () => {
		await connect('v1');
		await connect('v2');
		await connect('v3', { taskTypes: ['text_generation'] });
		await makeJob(db, 8);
		await claimFor(db, 'v1', { slots: 2 });
		expect(await laneTargets(db, 'embedding', STALE_MS)).toEqual(['session-of-v2', 'session-of-v1']);
		expect(await laneTargets(db, 'embedding', STALE_MS, 1)).toEqual(['session-of-v2']);
		expect(await laneTargets(db, 'text_generation', STALE_MS)).toEqual(['session-of-v3']);
		// A session its hub stopped touching (the hub died, its leases not yet expired) is nobody to tell.
		await db
			.update(volunteerSessions)
			.set({ lastSeenAt: new Date(Date.now() - 2 * STALE_MS) })
			.where(eq(volunteerSessions.id, 'session-of-v2'));
		expect(await laneTargets(db, 'embedding', STALE_MS)).toEqual(['session-of-v1']);
		await db.update(volunteerSessions).set({ readyForAi: false });
		expect(await laneTargets(db, 'embedding', STALE_MS)).toEqual([]);
	});

	it('takes the takers connected to this hub process without a query, and asks the database only when none is', async () => {
		await connect('v1');
		let statements = 0;
		const counted = new Proxy(db, {
			get(target, key, receiver) {
				// Every query starts at one of these (laneTargets' subquery counts too).
				if (key === 'select' || key === 'execute') statements++;
				return Reflect.get(target, key, receiver);
			}
		});
		const here = { ...quiet, laneReady: () => ['socket-here'] };
		expect(await laneTakers(counted, here, 'embedding', STALE_MS)).toEqual(['socket-here']);
		expect(statements).toBe(0);
		// None here (connected to another hub process, or none ready here): every hub process's, read from the database.
		expect(await laneTakers(counted, quiet, 'embedding', STALE_MS)).toEqual(['session-of-v1']);
		expect(statements).toBeGreaterThan(0);
	});

	async function connect(volunteerId: string, opts: { taskTypes?: ('embedding' | 'text_generation')[] } = {}) {
		await db.insert(volunteerSessions).values({
			id: `session-of-${volunteerId}`,
			volunteerId,
			hubId: 'hub',
			capabilities: {
				agent: 'node',
				backend: 'wasm',
				webgpu: null,
				cores: 4,
				deviceMemory: 8,
				crossOriginIsolated: false,
				taskTypes: opts.taskTypes ?? ['embedding']
			},
			mode: 'always',
			readiness: { score: 90, ready: true },
			readyForAi: true,
			network: ''
		});
	}
});
