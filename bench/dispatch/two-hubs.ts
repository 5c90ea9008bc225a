/**
 * Two hub processes on one PostgreSQL database (same data folder, as README's "Several hub processes"
 * says), sharing the volunteers: volunteer i connects to hub i % 2. One job submitted to the first hub;
 * accepted tasks per second, and afterwards the database is asked whether any task was leased twice
 * (a replica with more than one lease granted), besides the volunteers' own count of leases per task.
 */
import { benchSql } from './contender-database';
import { startHubProcess, tempDir } from '../../tests/harness/hub-process';
import { startVolunteers } from './in-process-volunteers';
import { benchHubEnv, importTinyModel, timedJob, warmUp } from './tiny-job';
import { percentile } from './stats';

export interface TwoHubOptions {
	databaseUrl: string;
	tasks: number;
	volunteers: number;
	concurrency: number;
	pool: number;
}

export async function twoHubs(o: TwoHubOptions) {
	const dataDir = tempDir();
	const env = benchHubEnv(o.pool, o.tasks);
	// One after the other: the first applies the migrations (the second would wait on their advisory lock anyway).
	const a = await startHubProcess({ databaseUrl: o.databaseUrl, dataDir, env });
	const b = await startHubProcess({ databaseUrl: o.databaseUrl, dataDir, env }).catch(async (e) => {
		await a.stop();
		throw e;
	});
	const sql = benchSql(o.databaseUrl);
	try {
		await importTinyModel(a);
		const volunteers = startVolunteers([a.url, b.url], o.volunteers, o.concurrency);
		await warmUp(a);
		volunteers.latencies.length = 0;
		volunteers.leases.clear();
		const job = await timedJob(a, o.tasks);
		await volunteers.stop();
		const [db] = await sql<{ tasks: number; leased_twice: number; results: number; accepted: number }[]>`
			select count(*)::int as tasks, count(*) filter (where attempts > 1)::int as leased_twice,
				(select count(*)::int from results where job_id = ${job.id}) as results,
				(select count(*)::int from accepted_results where job_id = ${job.id}) as accepted
			from tasks where job_id = ${job.id}`;
		const seenTwice = [...volunteers.leases.values()].filter((n) => n > 1).length;
		return {
			...job,
			leaseP50: percentile(volunteers.latencies, 50),
			leaseP99: percentile(volunteers.latencies, 99),
			db,
			seenTwice
		};
	} finally {
		await sql.end();
		await Promise.all([a.stop(), b.stop()]);
	}
}
