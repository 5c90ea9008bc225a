/**
 * A fingerprint of everything the hub stores: per table, its row count and a hash of its rows. Refused
 * input must leave it unchanged. Columns the hub moves by itself while nobody asks (a session's
 * heartbeat) are left out, or a quiet hub would look changed.
 */
import postgres from 'postgres';

/**
 * Moved by timers, not by the request in hand: every table's `last_seen_at` (the sessions' heartbeat), and
 * a session's counters, which SessionCounters flushes up to 500 ms after an accepted result (waiting that
 * long after every batch would double the run). And a key's `last_used_at`: any request bearing the key
 * marks it used (at most once a minute), a refused one too, by design: it tells the admin the key is live.
 */
const VOLATILE_COLUMNS: Record<string, string[]> = {
	'*': ['last_seen_at'],
	volunteer_sessions: ['throughput', 'tasks_done'],
	api_keys: ['last_used_at']
};

export type Snapshot = Record<string, string>;

/** One table's row count and hash, as one `select` of the fingerprint's `union all`. */
function tableFingerprint(name: string): string {
	const drop = [...VOLATILE_COLUMNS['*'], ...(VOLATILE_COLUMNS[name] ?? [])].map((c) => ` - '${c}'`).join('');
	return `select '${name}' as name, count(*)::text as n, md5(string_agg(j::text, '|' order by j::text)) as h
		from (select to_jsonb(t)${drop} as j from "${name}" t) s`;
}

/**
 * The list of tables is read at every take (a table the fuzz could create would show), and all of them
 * are hashed in one statement: one round trip instead of one per table, two to four times a batch, and
 * one statement reads every table from the same snapshot of the database.
 */
export function snapshotter(url: string) {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	return {
		async take(): Promise<Snapshot> {
			const tables = await sql<{ name: string }[]>`
				select table_name as name from information_schema.tables
				where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
			if (tables.length === 0) return {};
			const rows = await sql.unsafe<{ name: string; n: string; h: string | null }[]>(
				tables.map(({ name }) => `(${tableFingerprint(name)})`).join('\nunion all\n')
			);
			return Object.fromEntries(rows.map((row) => [row.name, `${row.n}:${row.h ?? ''}`]));
		},
		close: () => sql.end()
	};
}
