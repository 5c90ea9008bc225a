import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';

export const THROUGHPUT_BUCKET_MS = 10_000;
export const THROUGHPUT_BUCKETS = 60;

/**
 * Inputs the cluster computed per second, in 10 s buckets over the last ten minutes, oldest first.
 * Read from results (every replica's work, accepted or not: that is what the cluster did), so every
 * hub process draws the same chart and a page opened late still sees the past minutes.
 */
export async function clusterThroughput(db: Db, now = Date.now()): Promise<[number, number][]> {
	const end = Math.floor(now / THROUGHPUT_BUCKET_MS) * THROUGHPUT_BUCKET_MS;
	const start = end - (THROUGHPUT_BUCKETS - 1) * THROUGHPUT_BUCKET_MS;
	const rows = rowsOf<{ bucket: number; inputs: number }>(
		await db.execute(sql`
			select floor(extract(epoch from created_at) * 1000 / ${THROUGHPUT_BUCKET_MS})::float8 as bucket,
				sum(jsonb_array_length(output))::float8 as inputs
			from results where created_at >= to_timestamp(${start / 1000})
			group by 1`)
	);
	const byBucket = new Map(rows.map((r) => [Number(r.bucket) * THROUGHPUT_BUCKET_MS, Number(r.inputs)]));
	return Array.from({ length: THROUGHPUT_BUCKETS }, (_, i) => {
		const t = start + i * THROUGHPUT_BUCKET_MS;
		return [t, (byBucket.get(t) ?? 0) / (THROUGHPUT_BUCKET_MS / 1000)];
	});
}
