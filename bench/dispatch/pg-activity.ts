/**
 * Sampling PostgreSQL while a part runs (--pg-sample): every 50 ms, what each connection to the bench's
 * database is doing (pg_stat_activity: active or idle, the wait event, the statement's first words). The
 * counts show where PostgreSQL's time goes without pg_stat_statements, which needs a server restart to
 * load (BENCHMARKS.md says how). Other databases on the server (other tests) are left out.
 */
import postgres from 'postgres';

export class PgActivitySampler {
	private readonly sql;
	private readonly counts = new Map<string, number>();
	private samples = 0;
	private readonly timer: NodeJS.Timeout;
	private busy = false;

	constructor(databaseUrl: string) {
		this.sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
		this.timer = setInterval(() => void this.sample(), 50);
	}

	private async sample() {
		if (this.busy) return; // a slow sample is skipped, not queued
		this.busy = true;
		try {
			const rows = await this.sql<{ what: string }[]>`
				select state || coalesce(' / ' || wait_event_type || ':' || wait_event, '') ||
					case when state = 'active' then ' / ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60) else '' end as what
				from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`;
			this.samples++;
			for (const { what } of rows) this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
		} catch {
			// the database is being dropped at the part's end
		} finally {
			this.busy = false;
		}
	}

	/** Stops sampling; the commonest states, as the mean number of connections in each. */
	async stop(top = 8): Promise<string[]> {
		clearInterval(this.timer);
		await this.sql.end({ timeout: 1 });
		return [...this.counts]
			.sort((a, b) => b[1] - a[1])
			.slice(0, top)
			.map(([what, n]) => `${(n / Math.max(1, this.samples)).toFixed(2)} connections: ${what}`);
	}
}
