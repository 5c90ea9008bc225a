/**
 * Each contender of the dispatch bench runs on a fresh database on the same PostgreSQL server, dropped
 * after; with --pg-sample that database's connections are sampled while it runs (pg-activity.ts) and the
 * summary is kept until its part has printed its figures.
 */
import { freshDatabase } from '../../tests/harness/postgres';
import { PgActivitySampler } from './pg-activity';

/** Set by --pg-sample: each contender's database is sampled (pg-activity.ts), printed after its part's figures. */
export const pgSampling = { on: false };
const samples: string[] = [];

/** Runs one contender on a fresh database (sampled when --pg-sample), dropped after. */
export async function withDatabase<T>(name: string, run: (url: string) => Promise<T>): Promise<T> {
	const db = await freshDatabase();
	if (!db) throw new Error('the benchmark needs PostgreSQL');
	const sampler = pgSampling.on ? new PgActivitySampler(db.url) : null;
	try {
		return await run(db.url);
	} finally {
		if (sampler) samples.push(`    pg_stat_activity during ${name}, mean connections:`, ...(await sampler.stop()).map((l) => `      ${l}`));
		await db.drop();
	}
}

export function printPgSamples() {
	for (const line of samples.splice(0)) console.log(line);
}
