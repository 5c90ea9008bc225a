/**
 * Chaos: two hub processes on one PostgreSQL, a crowd of volunteers in this process, and everything
 * going wrong at once while a replicated job runs: volunteers drop their connections, stall on tasks,
 * and a minority answer wrongly on purpose; one hub is SIGKILLed and restarted; PostgreSQL backends are
 * terminated under the hubs' feet. The job must still complete with exactly one accepted result per
 * input, each equal to onnxruntime-node's; no wrong answer accepted; no lease left past its expiry plus
 * a sweep; credit only for accepted results.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startChaosVolunteer } from '../harness/chaos-volunteer';
import { maxAbsDiff, referenceEmbeddings } from '../harness/reference';

const database = await freshDatabase();
const LEASE_S = 3;
const SWEEP_S = 1;
const FAST = {
	EXOSTACK_LEASE_SECONDS: String(LEASE_S),
	EXOSTACK_SWEEP_SECONDS: String(SWEEP_S),
	EXOSTACK_RETRY_BACKOFF_MS: '200',
	EXOSTACK_MAX_FAILURES: '8',
	EXOSTACK_HEARTBEAT_SECONDS: '2',
	// Every volunteer here connects from 127.0.0.1: one network, as in a private lab.
	EXOSTACK_DISTINCT_NETWORKS: 'off'
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!database)('chaos', () => {
	let a: HubProcess;
	let b: HubProcess;
	let sql: postgres.Sql;
	const dataDir = tempDir();

	beforeAll(async () => {
		[a, b] = await Promise.all([
			startHubProcess({ databaseUrl: database!.url, dataDir, env: FAST }),
			startHubProcess({ databaseUrl: database!.url, dataDir, env: FAST })
		]);
		sql = postgres(database!.url, { max: 1, onnotice: () => {} });
	});
	afterAll(async () => {
		await sql?.end();
		await Promise.all([a?.stop(), b?.stop()]);
		await database?.drop();
	});

	it('completes a replicated job correctly through disconnects, stalls, cheats, a hub crash and dropped database connections', async () => {
		const inputs = Array.from({ length: 600 }, (_, i) => `chaos sentence ${i} about ${['rivers', 'music', 'stars', 'bread'][i % 4]}`);
		const reference = await referenceEmbeddings(a.url, 'demo-embedding', inputs);
		const honest = Array.from({ length: 10 }, (_, i) =>
			startChaosVolunteer(i % 2 ? a.url : b.url, { skew: 0, stall: i < 3 ? 0.15 : 0, latency: 150 })
		);
		const cheats = Array.from({ length: 3 }, (_, i) => startChaosVolunteer(i % 2 ? b.url : a.url, { skew: 0.25, stall: 0, latency: 100 }));
		const everyone = [...honest, ...cheats];
		await sleep(1500);

		const { job_id: jobId } = await (
			await api(a, '/api/jobs', {
				method: 'POST',
				json: { task_type: 'embedding', model: 'demo-embedding', input: inputs, replication: 2, chunk_size: 4 }
			})
		).json();

		const overdue: number[] = [];
		let done = false;
		const watcher = (async () => {
			while (!done) {
				// Slack beyond one sweep: the sweep's own run time on a loaded 2-core machine, and a sweep that a
				// terminated backend made fail (it retries at the next tick).
				const rows = await sql`select id, lease_expires_at from tasks where state = 'leased'
					and lease_expires_at < now() - ${SWEEP_S * 2 + 3} * interval '1 second'`.catch(() => []);
				overdue.push(rows.length);
				if (rows.length) console.error('overdue leases', JSON.stringify(rows), new Date().toISOString());
				await sleep(300);
			}
		})();
		const chaos = (async () => {
			for (let t = 0; !done; t++) {
				if (t % 2 === 0) everyone[Math.floor(Math.random() * everyone.length)].blip(300 + Math.random() * 700);
				if (t === 6) await b.kill();
				if (t === 12) b = await startHubProcess({ databaseUrl: database!.url, dataDir, port: b.port, env: FAST });
				if (t % 7 === 3)
					await sql`select pg_terminate_backend(pid) from pg_stat_activity
					where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`.catch(() => {});
				await sleep(500);
			}
		})();

		let last: unknown = null;
		try {
			await expect
				.poll(
					async () => {
						last = await api(a, `/api/jobs/${jobId}`).then(
							(r) => r.json(),
							(e) => String(e)
						);
						return (last as { status?: string })?.status;
					},
					{ timeout: 150_000, interval: 500 }
				)
				.toBe('completed');
		} catch (e) {
			const { result: _, ...status } = (last ?? {}) as Record<string, unknown>;
			console.error('job:', JSON.stringify(status), '\nhub a:', a.logs().slice(-4000), '\nhub b:', b.logs().slice(-2000));
			if (process.env.CHAOS_LOGS) (await import('node:fs')).writeFileSync(process.env.CHAOS_LOGS, a.logs() + '\n=====\n' + b.logs());
			throw e;
		} finally {
			done = true;
			await Promise.all([watcher, chaos]);
			await Promise.all(everyone.map((v) => v.stop()));
		}

		// Exactly one accepted result per chunk, each equal to the reference: no cheat got through.
		// (A request landing on a pool connection that pg_terminate_backend just killed gets a 500; ask again.)
		let job: { result?: number[][] | null } = {};
		await expect
			.poll(async () => Array.isArray((job = await (await api(a, `/api/jobs/${jobId}`)).json()).result), { timeout: 10_000 })
			.toBe(true);
		const result = job.result!;
		expect(result).toHaveLength(inputs.length);
		const diffs = result.map((v: number[], i: number) => maxAbsDiff(v, reference[i]));
		const worst = Math.max(...diffs);
		if (worst >= 1e-4 && process.env.CHAOS_LOGS) {
			const seq = Math.floor(diffs.indexOf(worst) / 4);
			const detail =
				await sql`select t.id, t.replica, t.state, t.solo, t.backend_class, t.attempts, t.failures, r.volunteer_id, r.verdict, r.created_at, (a.task_id = t.id) as accepted
				from tasks t left join results r on r.task_id = t.id left join accepted_results a on a.job_id = t.job_id and a.seq = t.seq
				where t.job_id = ${jobId} and t.seq = ${seq} order by t.id`;
			const vols = await sql`select id, valid_results, invalid_results, consecutive_valid from volunteers`;
			console.error(
				'wrong chunk',
				seq,
				JSON.stringify(detail, null, 1),
				JSON.stringify(vols),
				'cheats',
				cheats.map((c) => c.id)
			);
		}
		expect(worst).toBeLessThan(1e-4);
		const [{ chunks, accepted, distinct }] =
			await sql`select (select count(distinct seq) from tasks where job_id = ${jobId})::int as chunks,
			count(*)::int as accepted, count(distinct seq)::int as distinct from accepted_results where job_id = ${jobId}`;
		expect({ accepted, distinct }).toEqual({ accepted: chunks, distinct: chunks });
		const jsonl = (await (await api(a, `/api/jobs/${jobId}/results`)).text())
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l).index);
		expect(jsonl).toEqual(inputs.map((_, i) => i));

		// No lease outlived its expiry by more than a sweep (with slack for the sweep's own duration).
		expect(overdue.length).toBeGreaterThan(10);
		expect(Math.max(...overdue)).toBe(0);

		// Credit only for validated results of accepted chunks; the cheats got none and lost all trust.
		const [{ stray }] = await sql`select count(*)::int as stray from credit_ledger c join results r on r.task_id = c.task_id
			where r.verdict <> 'valid' or not exists (select 1 from accepted_results a where a.job_id = r.job_id and a.seq = r.seq)`;
		expect(stray).toBe(0);
		const cheatIds = cheats.map((c) => c.id).filter(Boolean);
		const cheaters =
			await sql`select credit, valid_results, invalid_results, consecutive_valid from volunteers where id = any(${cheatIds})`;
		expect(cheaters.length).toBeGreaterThan(0);
		for (const c of cheaters)
			expect({ credit: c.credit, valid: c.valid_results, run: c.consecutive_valid }).toEqual({ credit: 0, valid: 0, run: 0 });
		expect(cheaters.reduce((n, c) => n + c.invalid_results, 0)).toBeGreaterThan(0);
		const [{ ledger, totals }] = await sql`select (select coalesce(sum(amount), 0) from credit_ledger)::float as ledger,
			(select coalesce(sum(credit), 0) from volunteers)::float as totals`;
		expect(totals).toBeCloseTo(ledger, 6);
	});
});
