/**
 * The volunteer-work service's batching: renewals and status reports arriving together are written
 * in one statement each, as results are (group-commit.ts), and each caller still gets its own answer.
 * The database is counted by wrapping the hub's: every statement these verbs send goes through execute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db';
import { TEST_DB_KINDS } from '../db/testing';
import type { Notifier } from '../notifier';
import { startTestHub, type TestHub } from '../realtime/testing';
import { openSession } from '../volunteers/sessions';
import { nodeCapabilities } from '../../headless/headless-volunteer';
import { claimTasks } from './claim-tasks';
import { VolunteerWork } from './volunteer-work';
import type { WorkSession } from './work-types';

const VOLUNTEERS = 12;

describe.each(TEST_DB_KINDS)('volunteer work on %s', (kind) => {
	let testHub: TestHub;
	let statements = 0;
	let work: VolunteerWork;

	beforeAll(async () => {
		testHub = await startTestHub({ kind });
		const { hub } = testHub;
		const db = new Proxy(hub.db, {
			get(target, key, receiver) {
				const value = Reflect.get(target, key, receiver);
				if (key !== 'execute') return value;
				return (...args: unknown[]) => {
					statements++;
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		}) as Db;
		// Renewals and status reports announce nothing: a notifier that would throw if they did.
		work = new VolunteerWork({ ...hub, db, config: hub.config }, {} as Notifier);
	});
	afterAll(() => testHub?.stop());

	async function sessions(): Promise<WorkSession[]> {
		const { hub } = testHub;
		const out: WorkSession[] = [];
		for (let i = 0; i < VOLUNTEERS; i++) {
			const s: WorkSession = {
				sessionId: `s${i}`,
				volunteerId: `v${i}`,
				capabilities: nodeCapabilities(),
				mode: 'always',
				readiness: { score: 90, ready: true },
				gateOpen: true,
				network: `net${i}`
			};
			await openSession(hub.db, { ...s, id: s.sessionId, hubId: hub.id, readyForAi: true });
			out.push(s);
		}
		return out;
	}

	it('renews the leases of many volunteers asking together in one statement, each with its own answer', async () => {
		const { hub } = testHub;
		const all = await sessions();
		await testHub.submit(
			Array.from({ length: VOLUNTEERS }, (_, i) => `input ${i}`),
			{ chunk_size: 1 }
		);
		const leases: { id: number; leaseToken: string }[] = [];
		for (const s of all)
			leases.push(...(await claimTasks(hub.db, { ...s, backendClass: 'native', slots: 1, taskTypes: ['embedding'], leaseMs: 60_000 })));
		expect(leases).toHaveLength(VOLUNTEERS);
		statements = 0;
		const answers = await Promise.all(
			all.map((s, i) => work.renew(s, { taskId: leases[i].id, leaseToken: i === 0 ? crypto.randomUUID() : leases[i].leaseToken, done: 1 }))
		);
		expect(statements).toBe(1);
		expect(answers[0]).toMatchObject({ ok: false, code: 'stale_lease' });
		for (const a of answers.slice(1)) expect(a).toMatchObject({ ok: true, leaseExpiresAt: expect.any(Number) });

		statements = 0;
		const gates = await Promise.all(all.map((s) => work.status(s, { mode: 'paused', readiness: { score: 90, ready: true } })));
		expect(statements).toBe(1);
		expect(gates).toEqual(all.map(() => false));
	});
});
