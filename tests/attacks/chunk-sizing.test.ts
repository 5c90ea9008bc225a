/**
 * A result's `durationMs` is the volunteer's word, and the hub sizes chunks from it (scheduler/chunk-sizing.ts):
 * outside input steering how work is cut. A liar handing in more results than every honest volunteer
 * together, each claiming to have taken no time at all, must not get jobs cut into the largest chunks:
 * neither a new job (sized from the model's throughput) nor the running one (re-chunked at a sweep).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { tasks } from '../../src/lib/server/db/schema';
import { granted, replyTo, startTestHub, welcomed, type TestHub } from '../../src/lib/server/realtime/testing';
import { seedModel, vec } from '../../src/lib/server/scheduler/testing';
import type { VolunteerSocket } from '../../src/lib/volunteer/volunteer-socket';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';

const inputs = (n: number) => Array.from({ length: n }, (_, i) => `input ${i}`);

describe('durations a liar reports', () => {
	let testHub: TestHub;
	beforeAll(async () => {
		testHub = await startTestHub({
			// Checks are another suite's subject; here every lease is plain work.
			env: { EXOSTACK_CHUNK_SIZE: '1', EXOSTACK_TARGET_TASK_SECONDS: '30', EXOSTACK_SPOT_CHECK_RATE: '0', EXOSTACK_LAZY_CHECK_RATE: '0' }
		});
		await seedModel(testHub.hub.db);
	});
	afterAll(() => testHub?.stop());

	const volunteer = async () => {
		const s = testHub.volunteer({
			auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
		});
		await welcomed(s);
		return s;
	};

	/** Leases up to `slots` tasks and hands each in with right-shaped outputs, claiming `durationMs` for it; how many. */
	async function work(s: VolunteerSocket, slots: number, durationMs: number): Promise<number> {
		const { tasks: leased } = granted(await replyTo(s, 'task:request', { slots }));
		for (const t of leased) {
			const outputs = t.inputs.map((i) => vec(Number(i.replace('input ', ''))));
			granted(
				await replyTo(s, 'task:result', {
					taskId: t.taskId,
					leaseToken: t.leaseToken,
					backend: 'native',
					variant: 'fp32',
					durationMs,
					outputs
				})
			);
		}
		return leased.length;
	}

	const chunkSizes = async (jobId: string) =>
		(await testHub.hub.db.select({ inputs: tasks.inputs, seq: tasks.seq }).from(tasks).where(eq(tasks.jobId, jobId)))
			.sort((a, b) => a.seq - b.seq)
			.map((t) => t.inputs.length);

	it('cannot get jobs cut into the largest chunks by claiming results took no time', async () => {
		const running = await testHub.submit(inputs(200), { model: 'm' });
		const honest = await Promise.all([volunteer(), volunteer(), volunteer()]);
		// Honest: one input a second, two results each.
		for (const s of honest) for (let k = 0; k < 2; k++) expect(await work(s, 1, 1000)).toBe(1);
		// The liar: more results than all of them together, each "computed" in 0 ms.
		const liar = await volunteer();
		let lies = 0;
		while (lies < 20) lies += await work(liar, 5, 0);

		await testHub.hub.sweep();
		const resized = (await chunkSizes(running)).slice(6 + lies);
		expect(Math.max(...resized)).toBe(30);
		const later = await testHub.submit(inputs(100), { model: 'm' });
		expect(await chunkSizes(later)).toEqual([30, 30, 30, 10]);
		for (const s of [...honest, liar]) s.disconnect();
	});
});
