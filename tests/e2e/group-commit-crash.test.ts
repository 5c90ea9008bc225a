/**
 * Group commit under a crash: volunteers hand in results in batches (`task:results`) to a hub process
 * on PostgreSQL that commits them in groups, and the hub is SIGKILLed while results are in flight.
 * Every result the hub acknowledged must be in the database afterwards: an acknowledgement is sent only
 * after its group's commit. (Unacknowledged ones may be lost; their leases expire and are redone.)
 */
import postgres from 'postgres';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { api, ONE_MACHINE_MANY_VOLUNTEERS, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import type { Ack, TaskLease, VolunteerClientToServer, VolunteerServerToClient } from '../../src/lib/protocol/events';

const database = await freshDatabase();

type Volunteer = Socket<VolunteerServerToClient, VolunteerClientToServer>;

function volunteer(url: string): Promise<Volunteer> {
	const socket: Volunteer = io(`${url}/volunteer`, {
		transports: ['websocket'],
		forceNew: true,
		reconnection: false,
		auth: { identity: null, capabilities: nodeCapabilities(), mode: 'always', readiness: { score: 90, ready: true } }
	});
	return new Promise((resolve, reject) => {
		socket.once('welcome', () => resolve(socket));
		socket.once('connect_error', reject);
	});
}

/** A well-formed result: one unit vector of the model's width per input. */
function resultOf(t: TaskLease) {
	const dims = t.model.embedding?.dimensions ?? 4;
	const outputs = t.inputs.map(() => Array.from({ length: dims }, () => 1 / Math.sqrt(dims)));
	return { taskId: t.taskId, leaseToken: t.leaseToken, backend: 'native' as const, variant: t.variant, durationMs: 5, outputs };
}

describe.skipIf(!database)('group commit when the hub crashes', () => {
	let hub: HubProcess;
	let sql: postgres.Sql;
	afterAll(async () => {
		await sql?.end();
		await hub?.stop();
		await database?.drop();
	});

	it('loses no acknowledged result when the hub is killed mid-group', async () => {
		hub = await startHubProcess({
			databaseUrl: database!.url,
			dataDir: tempDir(),
			env: {
				...ONE_MACHINE_MANY_VOLUNTEERS,
				// A wide window, so groups are open whenever the kill lands.
				EXOSTACK_GROUP_COMMIT_MS: '20',
				EXOSTACK_DISTINCT_NETWORKS: 'off',
				EXOSTACK_SPOT_CHECK_RATE: '0',
				EXOSTACK_LEASES_PER_VOLUNTEER: '0'
			}
		});
		sql = postgres(database!.url, { max: 1, onnotice: () => {} });
		const inputs = Array.from({ length: 2000 }, (_, i) => `crash sentence ${i}`);
		const submitted = await api(hub, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'demo-embedding', input: inputs, chunk_size: 1 }
		});
		expect(submitted.status).toBeLessThan(300);
		const acked: { taskId: number; leaseToken: string }[] = [];
		let sent = 0;
		let crashed = false;
		const work = async (socket: Volunteer) => {
			while (!crashed) {
				const reply = await socket
					.timeout(5000)
					.emitWithAck('task:request', { slots: 8 })
					.catch(() => null);
				if (!reply?.ok || reply.tasks.length === 0) return;
				const results = reply.tasks.map(resultOf);
				sent += results.length;
				const answer = (await socket
					.timeout(5000)
					.emitWithAck('task:results', { results })
					.catch(() => null)) as Ack<{ results: Ack[] }> | null;
				if (!answer?.ok) return;
				answer.results.forEach((r, i) => r.ok && acked.push({ taskId: results[i].taskId, leaseToken: results[i].leaseToken }));
			}
		};
		const volunteers = await Promise.all(Array.from({ length: 4 }, () => volunteer(hub.url)));
		const running = volunteers.map(work);
		while (acked.length < 200) await new Promise((r) => setTimeout(r, 20));
		crashed = true;
		await hub.kill();
		await Promise.all(running);
		volunteers.forEach((v) => v.disconnect());
		expect(acked.length).toBeGreaterThan(0);
		const ids = acked.map((a) => a.taskId);
		const stored = await sql<{ task_id: string }[]>`select r.task_id from results r join tasks t on t.id = r.task_id
			where r.task_id = any(${ids}::bigint[]) and t.state = 'done'`;
		const storedIds = new Set(stored.map((r) => Number(r.task_id)));
		expect(
			ids.filter((id) => !storedIds.has(id)),
			`acknowledged but lost (of ${acked.length} acknowledged, ${sent} sent)`
		).toEqual([]);
	});
});
