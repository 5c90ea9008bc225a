/**
 * The anchor: pg-boss (a well-kept PostgreSQL job queue) on the same PostgreSQL server, with the same
 * number of concurrent workers, each fetching a batch of the same size and completing it: the cost of
 * a lease and an acknowledgement in a good queue, with no sockets and no model in between.
 */
import PgBoss from 'pg-boss';
import { cpuMsPer, snapshot } from './cpu';

export async function pgBossAnchor(o: { databaseUrl: string; tasks: number; workers: number; batch: number; pool: number }) {
	const boss = new PgBoss({ connectionString: o.databaseUrl, max: o.pool, supervise: false, schedule: false, migrate: true });
	boss.on('error', (e) => console.error('pg-boss:', e.message));
	await boss.start();
	try {
		const queue = 'bench';
		await boss.createQueue(queue);
		for (let i = 0; i < o.tasks; i += 1000) {
			await boss.insert(
				Array.from({ length: Math.min(1000, o.tasks - i) }, (_, k) => ({ name: queue, data: { input: `task ${(i + k) % 10}` } }))
			);
		}
		let done = 0;
		const started = performance.now();
		const before = snapshot([process.pid]);
		await Promise.all(
			Array.from({ length: o.workers }, async () => {
				for (;;) {
					const jobs = await boss.fetch<{ input: string }>(queue, { batchSize: o.batch });
					if (jobs.length === 0) return;
					await boss.complete(
						queue,
						jobs.map((j) => j.id)
					);
					done += jobs.length;
				}
			})
		);
		const seconds = (performance.now() - started) / 1000;
		// The CPU a job took: the workers' (this process) and PostgreSQL's.
		const { processes: workers, postgres } = cpuMsPer(before, snapshot([process.pid]), [process.pid], done);
		return { tasksPerSecond: done / seconds, seconds, done, cpu: { workers, postgres } };
	} finally {
		await boss.stop({ graceful: false, wait: true });
	}
}
