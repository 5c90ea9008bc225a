/**
 * Each contender of the dispatch bench runs on a fresh database on the same PostgreSQL server, dropped
 * after; with --pg-sample that database's connections are sampled while it runs (pg-activity.ts) and the
 * summary is kept until its part has printed its figures. With --pg-socket DIR every contender reaches it
 * through its Unix socket in DIR instead of TCP (libpq's `?host=DIR`, db/index.ts socketOf). With
 * --pg-latency MS every contender reaches it through a relay adding MS of round trip (latency-relay.ts):
 * a database on another machine, as in most deployments.
 */
import postgres from 'postgres';
import { freshDatabase } from '../../tests/harness/postgres';
import { socketOf } from '../../src/lib/server/db/index';
import { PgActivitySampler } from './pg-activity';
import { latencyRelay } from './latency-relay';

/** Set by --pg-sample: each contender's database is sampled (pg-activity.ts), printed after its part's figures. */
export const pgSampling = { on: false };
/** Set by --pg-socket: the directory of PostgreSQL's Unix socket, which every contender then connects through. */
export const pgSocket = { dir: '' };
/** Set by --pg-latency: the round trip in ms every contender's connections get on top of the loopback's (0: none). */
export const pgLatency = { ms: 0 };
const samples: string[] = [];

/** Runs one contender on a fresh database (sampled when --pg-sample), dropped after. */
export async function withDatabase<T>(name: string, run: (url: string) => Promise<T>): Promise<T> {
	const db = await freshDatabase();
	if (!db) throw new Error('the benchmark needs PostgreSQL');
	const sampler = pgSampling.on ? new PgActivitySampler(db.url) : null;
	const relay = pgLatency.ms > 0 ? await latencyRelay(db.url, pgLatency.ms) : null;
	const url = relay ? relay.url : pgSocket.dir ? `${db.url}${db.url.includes('?') ? '&' : '?'}host=${pgSocket.dir}` : db.url;
	try {
		return await run(url);
	} finally {
		relay?.close();
		if (sampler) samples.push(`    pg_stat_activity during ${name}, mean connections:`, ...(await sampler.stop()).map((l) => `      ${l}`));
		await db.drop();
	}
}

export function printPgSamples() {
	for (const line of samples.splice(0)) console.log(line);
}

/** One connection for the bench's own reads of a contender's database (its URL may name a socket directory). */
export function benchSql(url: string) {
	const { url: plain, host } = socketOf(url);
	return postgres(plain, { max: 1, host, onnotice: () => {} });
}
