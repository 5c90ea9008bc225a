/**
 * The queue's depth, read from the database when /metrics is scraped: tasks waiting and leased, jobs
 * queued and running. Every hub process serving one database reports the same numbers (they count the
 * shared queue, not this process's share), so a dashboard takes their max, not their sum.
 */
import { inArray, sql } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import type { Db } from '../db';
import { jobs, tasks } from '../db/schema';
import { registry } from './registry';
import { log } from '../log';
import { OPEN_STATES } from '../scheduler/chunk-fate';
import { stateIn } from '../db/schema/states';

const OPEN_JOB_STATUSES = ['queued', 'running'] as const;

const openTasks = new Gauge({
	name: 'exostack_tasks',
	help: 'Tasks in the queue (the shared database), by state: queued (waiting for a volunteer) or leased (being computed)',
	labelNames: ['state'] as const,
	registers: [registry]
});
const openJobs = new Gauge({
	name: 'exostack_jobs',
	help: 'Jobs not yet finished (the shared database), by status',
	labelNames: ['status'] as const,
	registers: [registry]
});

/** Scrapes within this long of a read share it: /metrics is public, and a flood of it must not become a flood of queries. */
const FRESH_MS = 1000;
const lastRead = new WeakMap<Db, { at: number; done: Promise<void> }>();

/**
 * Sets the queue gauges from `db` (at most once a second); the /metrics route calls it before rendering.
 * Never throws: when the database cannot be read the gauges are dropped (no series beats a stale one) and
 * the rest of /metrics is still served, since a database outage is when an operator needs it most.
 */
export function refreshQueueGauges(db: Db): Promise<void> {
	const last = lastRead.get(db);
	if (last && Date.now() - last.at < FRESH_MS) return last.done;
	const done = readQueue(db).catch((err) => {
		openTasks.reset();
		openJobs.reset();
		log.warn({ err }, 'could not read the queue depth for /metrics');
	});
	lastRead.set(db, { at: Date.now(), done });
	return done;
}

async function readQueue(db: Db): Promise<void> {
	// Both counts read only open rows: tasks through the partial index tasks_open_idx, whatever the history.
	const [taskRows, jobRows] = await Promise.all([
		db
			.select({ state: tasks.state, n: sql<number>`count(*)::int` })
			.from(tasks)
			.where(stateIn(tasks.state, OPEN_STATES))
			.groupBy(tasks.state),
		db
			.select({ status: jobs.status, n: sql<number>`count(*)::int` })
			.from(jobs)
			.where(inArray(jobs.status, [...OPEN_JOB_STATUSES]))
			.groupBy(jobs.status)
	]);
	// A state with no rows is absent from the answer but is 0, not its last value.
	for (const state of OPEN_STATES) openTasks.set({ state }, taskRows.find((r) => r.state === state)?.n ?? 0);
	for (const status of OPEN_JOB_STATUSES) openJobs.set({ status }, jobRows.find((r) => r.status === status)?.n ?? 0);
}
