/**
 * The probes on the real production hub: liveness answers whatever the database does; readiness answers
 * 200 while PostgreSQL is reachable and 503 while it is not (the hub's database is closed to connections
 * and its backends terminated, as a failover or an outage would), and 200 again once it is back.
 */
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startHubProcess, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { testServerUrl } from '../../src/lib/server/db/testing';
import { LivenessView, ReadinessView } from '../../src/lib/protocol/health';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hubs: HubProcess[] = [];
afterAll(async () => {
	await Promise.all(hubs.map((h) => h.stop()));
});

async function live(hub: HubProcess) {
	const res = await fetch(`${hub.url}/api/health/live`);
	return { status: res.status, body: LivenessView.parse(await res.json()) };
}

async function ready(hub: HubProcess) {
	const res = await fetch(`${hub.url}/api/health/ready`);
	return { status: res.status, body: ReadinessView.parse(await res.json()) };
}

async function untilReady(hub: HubProcess, wanted: boolean) {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const answer = await ready(hub);
		if (answer.body.ready === wanted) return answer;
		if (Date.now() > deadline) throw new Error(`readiness stayed ${JSON.stringify(answer)}\n${hub.logs().slice(-2000)}`);
		await sleep(200);
	}
}

describe('the probes on PGlite', () => {
	it('answers live and ready once started', async () => {
		const hub = await startHubProcess();
		hubs.push(hub);
		expect(await live(hub)).toEqual({ status: 200, body: { live: true, hub: expect.any(String) } });
		expect(await ready(hub)).toMatchObject({ status: 200, body: { ready: true, database: 'pglite' } });
	});
});

describe.runIf(testServerUrl())('the probes on PostgreSQL', () => {
	it('is not ready while its database refuses connections, stays live, and is ready again once it is back', async () => {
		const database = (await freshDatabase())!;
		const name = new URL(database.url).pathname.slice(1);
		const admin = postgres(testServerUrl()!, { max: 1, onnotice: () => {} });
		try {
			const hub = await startHubProcess({ databaseUrl: database.url });
			hubs.push(hub);
			expect(await ready(hub)).toMatchObject({ status: 200, body: { ready: true, database: 'postgres' } });

			await admin.unsafe(`alter database ${name} with allow_connections false`);
			await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
			const down = await untilReady(hub, false);
			expect(down).toMatchObject({ status: 503, body: { ready: false, reason: 'database_unreachable' } });
			// The driver's words, which name hosts, ports and databases, go to the hub's log, not to an anonymous caller.
			expect(down.body).toMatchObject({ error: "the database query failed (the hub's log says why)" });
			for (const internal of [name, '5432', '127.0.0.1']) expect(JSON.stringify(down.body)).not.toContain(internal);
			expect(hub.logs()).toMatch(/exostack: readiness lost \(database_unreachable\): Failed query: select 1\n.*\(.+\)/);
			expect(await live(hub)).toMatchObject({ status: 200, body: { live: true } });

			await admin.unsafe(`alter database ${name} with allow_connections true`);
			expect(await untilReady(hub, true)).toMatchObject({ status: 200, body: { ready: true, database: 'postgres' } });
			expect(hub.logs()).toContain('exostack: readiness restored');
		} finally {
			await admin.unsafe(`alter database ${name} with allow_connections true`).catch(() => {});
			await admin.end();
			for (const hub of hubs.splice(0)) await hub.stop();
			await database.drop();
		}
	});
});
