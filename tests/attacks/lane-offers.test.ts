/**
 * Attacks on the interactive lane's offers (realtime/lane-offers.ts), by a volunteer answering an offer
 * as an attacker would over Socket.IO: with garbage, with its task's id among ones no offer carries or
 * past what one can, or not at all. None of these may keep the task from a volunteer that will run it:
 * the hub takes anything but a well-formed answer as a refusal, releases the lease and offers it on. (A
 * well-formed answer that lies, taking the task and never running it, holds it as a claimed lease left
 * to expire would: that is the lease caps' and the sweeper's business, work-holding.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { tasks } from '../../src/lib/server/db/schema';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from '../../src/lib/server/realtime/testing';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import fc from 'fast-check';
import { payloadFor } from './fuzz/hostile';

describe('a volunteer cannot hold an interactive request through its offer', () => {
	let testHub: TestHub;
	const sockets: VolunteerSocket[] = [];

	beforeAll(async () => {
		testHub = await startTestHub({ env: { EXOSTACK_SPOT_CHECK_RATE: '0', EXOSTACK_LAZY_CHECK_RATE: '0' } });
	});
	afterEach(async () => {
		sockets.splice(0).forEach((s) => s.close());
		await testHub.cancelOpenJobs();
	});
	afterAll(() => testHub?.stop());

	/** How a volunteer answers an offer of these task ids (null: it never does). */
	type Answer = ((taskIds: number[], ack: (reply: unknown) => void) => void) | null;

	/** A volunteer that has asked for work once (so it can be offered to), answering offers with `answer`. */
	async function volunteer(answer: Answer) {
		const socket = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
		});
		sockets.push(socket);
		await welcomed(socket);
		expect(granted(await replyTo(socket, 'task:request', { slots: 1 })).tasks).toHaveLength(0);
		const offered: number[] = [];
		socket.on('task:offer', ({ tasks: leases }, ack) => {
			const ids = leases.map((t) => t.taskId);
			offered.push(...ids);
			answer?.(ids, ack as (reply: unknown) => void);
		});
		return { socket, offered };
	}

	const answers: [string, Answer][] = [
		['a string', (_, ack) => ack('taken')],
		['taken as a string', (_, ack) => ack({ taken: 'all' })],
		['ids it was not offered', (ids, ack) => ack({ taken: ids.map((id) => id + 1) })],
		['its ids among ones that are not integers', (ids, ack) => ack({ taken: [...ids, 1.5, -1, 1e300] })],
		['its ids among more than an offer carries', (ids, ack) => ack({ taken: [...ids, ...Array.from({ length: 10_000 }, (_, i) => i)] })],
		['no answer at all', null]
	];

	it('whatever the answer, the task ends up held by a volunteer that took it', async () => {
		// Answers built from a well-formed one (naming the offered task), mostly broken (payloadFor): a valid answer keeps
		// the task with the attacker; anything else sends it on to the honest volunteer.
		const answer = (ids: number[]) => payloadFor(fc.constant({ taken: ids }));
		let seed = 1;
		const attacker = await volunteer((ids, ack) => ack(fc.sample(answer(ids), { numRuns: 1, seed: seed++ })[0]));
		const honest = await volunteer((ids, ack) => ack({ taken: ids }));
		for (let run = 0; run < 12; run++) {
			const before = [attacker.offered.length, honest.offered.length];
			await testHub.submit([`fuzzed ${run}`], { priority: 'interactive' });
			await expect.poll(() => attacker.offered.length + honest.offered.length, { timeout: 10_000 }).toBeGreaterThan(before[0] + before[1]);
			const taskId = (attacker.offered.length > before[0] ? attacker.offered : honest.offered).at(-1)!;
			// Settled: held by whichever took it, the attacker only when its answer named it well-formed.
			await expect
				.poll(async () => (await testHub.hub.db.select({ holder: tasks.leaseSession }).from(tasks).where(eq(tasks.id, taskId)))[0].holder, {
					timeout: 10_000
				})
				.toBeOneOf([attacker.socket.id, honest.socket.id]);
			// Each run starts with both volunteers holding nothing, so the attacker is asked first again.
			await testHub.cancelOpenJobs();
		}
	});

	it.each(answers)('answered with %s, the task is released and runs elsewhere', async (_, answer) => {
		// The attacker connects first, so it is offered the task first (fewest leases, then longest connected).
		const attacker = await volunteer(answer);
		const honest = await volunteer((ids, ack) => ack({ taken: ids }));
		await testHub.submit(['answer me'], { priority: 'interactive' });
		await expect.poll(() => attacker.offered.length, { timeout: 10_000 }).toBe(1);
		const [taskId] = attacker.offered;
		// Offered on to the honest volunteer, which holds it now; the attacker holds nothing.
		await expect.poll(() => honest.offered, { timeout: 10_000 }).toEqual([taskId]);
		const [row] = await testHub.hub.db.select({ state: tasks.state, holder: tasks.leaseSession }).from(tasks).where(eq(tasks.id, taskId));
		expect(row).toEqual({ state: 'leased', holder: honest.socket.id });
	});
});
