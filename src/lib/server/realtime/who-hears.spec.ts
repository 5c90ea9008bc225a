/**
 * Who hears what, on a real hub (Socket.IO, claims, PostgreSQL and PGlite). New work (hungry-sessions.ts): only
 * the volunteers whose last request came back empty, about as many as the new work has tasks, the longest
 * waiting first; before, every connection was nudged, and each nudged idle volunteer cost a claim that found
 * nothing. A cancelled task (lease-holders.ts): only the connection holding its lease; before, every one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { volunteerSessions } from '../db/schema';
import { cancelJob } from '../scheduler/cancel-job';
import { TEST_DB_KINDS } from '../db/testing';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from './testing';
import { nodeCapabilities, serverReadiness } from '../../headless/headless-volunteer';
import type { VolunteerSocket } from '../../volunteer/volunteer-socket';

describe.each(TEST_DB_KINDS)('who hears of work on a hub on %s', (kind) => {
	let testHub: TestHub;
	const sockets: VolunteerSocket[] = [];

	beforeAll(async () => {
		testHub = await startTestHub({ kind, env: { EXOSTACK_SPOT_CHECK_RATE: '0', EXOSTACK_LAZY_CHECK_RATE: '0' } });
	});
	afterEach(async () => {
		sockets.splice(0).forEach((s) => s.close());
		await expect.poll(() => testHub.hub.db.$count(volunteerSessions), { timeout: 10_000 }).toBe(0);
		await testHub.cancelOpenJobs();
	});
	afterAll(() => testHub?.stop());

	const auth = () => ({ identity: null, capabilities: nodeCapabilities(), mode: 'always' as const, readiness: serverReadiness('always') });
	const ask = async (s: VolunteerSocket) => granted(await replyTo(s, 'task:request', { slots: 1 })).tasks;

	it('tells only volunteers waiting for work that runs its task type, about two for each new task, the longest waiting first', async () => {
		sockets.push(...Array.from({ length: 5 }, () => testHub.volunteer({ auth: auth() })));
		// Paused by its owner: the hub's readiness gate refuses it work, so it does not wait for any.
		sockets.push(testHub.volunteer({ auth: { ...auth(), mode: 'paused' as const } }));
		// Runs text generation only: it waits, but not for embeddings.
		sockets.push(
			testHub.volunteer({ auth: { ...auth(), capabilities: { ...nodeCapabilities(), taskTypes: ['text_generation' as const] } } })
		);
		await Promise.all(sockets.map((s) => welcomed(s)));
		const [busy, ...idle] = sockets.slice(0, 5);
		const [paused, generator] = sockets.slice(5);
		const nudges = sockets.map(() => 0);
		sockets.forEach((s, i) => s.on('work:available', () => nudges[i]++));
		// One with work (its request brought a task: it asks again by itself), then the paused one and the generator,
		// then four whose requests found nothing, in order.
		await testHub.submit(['for the busy one'], { chunk_size: 1 });
		expect(await ask(busy)).toHaveLength(1);
		expect(await ask(paused)).toEqual([]);
		expect(await ask(generator)).toEqual([]);
		for (const s of idle) expect(await ask(s)).toEqual([]);
		// Past the throttle's window, so the next nudge goes at once.
		await new Promise((r) => setTimeout(r, 300));
		nudges.fill(0);

		// One embedding task: two of the four waiting for one are told, those waiting longest.
		await testHub.submit(['one task'], { chunk_size: 1 });
		await expect.poll(() => nudges, { timeout: 5000 }).toEqual([0, 1, 1, 0, 0, 0, 0]);
		// Anything sent to the others before these round trips has arrived by their end.
		await Promise.all(sockets.map((s) => replyTo(s, 'status', { mode: 'always', readiness: serverReadiness('always') })));
		expect(nudges).toEqual([0, 1, 1, 0, 0, 0, 0]);

		// Work of an unknown size and type (a release of several leases, say): every one still waiting. The two nudged
		// before have not asked again, so they are not waiting as far as the hub knows.
		testHub.hub.notify.workAvailable();
		await expect.poll(() => nudges, { timeout: 5000 }).toEqual([0, 1, 1, 1, 1, 0, 1]);
	});

	it('tells a cancelled task to the connection holding its lease alone', async () => {
		sockets.push(...Array.from({ length: 3 }, () => testHub.volunteer({ auth: auth() })));
		await Promise.all(sockets.map((s) => welcomed(s)));
		const cancelled = sockets.map(() => [] as number[]);
		sockets.forEach((s, i) => s.on('task:cancelled', ({ taskIds }) => cancelled[i].push(...taskIds)));
		const jobId = await testHub.submit(['a', 'b'], { chunk_size: 1 });
		const [first] = await ask(sockets[0]);
		const [second] = await ask(sockets[1]);
		expect(await ask(sockets[2])).toEqual([]);
		const outcome = await cancelJob(testHub.hub.db, jobId);
		testHub.hub.notify.tasksCancelled(outcome!.leasedTaskIds);
		await expect.poll(() => cancelled.slice(0, 2), { timeout: 5000 }).toEqual([[first.taskId], [second.taskId]]);
		// Anything sent to the third before this round trip has arrived by its end.
		await replyTo(sockets[2], 'status', { mode: 'always', readiness: serverReadiness('always') });
		expect(cancelled[2]).toEqual([]);
	});
});
