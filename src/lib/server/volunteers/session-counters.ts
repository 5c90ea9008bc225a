import type { Db } from '../db';
import { countSessionTasks } from './sessions';
import { log } from '../log';

/** How often a session's task count and throughput reach the database: a few times a second is live enough. */
const FLUSH_MS = 500;

/**
 * Coalesces each session's per-result statistics (tasks done, latest throughput) into one update of
 * every session every FLUSH_MS instead of one per result: at hundreds of results a second that update was a
 * tenth of the hub's statements. These counters are for display; the volunteer's record and the credit
 * ledger (written with the result) are the account, so a crash loses at most FLUSH_MS of display.
 */
export class SessionCounters {
	private pending = new Map<string, { tasks: number; throughput: number }>();
	private timer: ReturnType<typeof setTimeout> | null = null;

	constructor(private readonly db: Db) {}

	count(sessionId: string, throughput: number): void {
		const p = this.pending.get(sessionId);
		this.pending.set(sessionId, { tasks: (p?.tasks ?? 0) + 1, throughput });
		this.schedule();
	}

	/** The last flush (a clean shutdown): counts still held by another statement then are dropped, as a crash would. */
	async close(): Promise<void> {
		await this.flush();
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		this.pending.clear();
	}

	private schedule(): void {
		this.timer ??= setTimeout(() => void this.flush().catch((err) => log.error({ err }, 'could not write session statistics')), FLUSH_MS);
	}

	/** Writes what is pending now (also before a session closes and when the hub stops). */
	async flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		const batch = [...this.pending].map(([sessionId, { tasks, throughput }]) => ({ sessionId, tasks, throughput }));
		this.pending.clear();
		// One statement for every session: one each, waiting for the disk in turn, held a connection for
		// most of the flush at 1,500 busy volunteers (bench/dispatch busy, pg_stat_activity).
		const held = new Set(await countSessionTasks(this.db, batch));
		// Sessions whose rows another statement held: their counts wait for the next flush, added to any new ones.
		for (const c of batch.filter((c) => held.has(c.sessionId))) {
			const newer = this.pending.get(c.sessionId);
			this.pending.set(c.sessionId, { tasks: c.tasks + (newer?.tasks ?? 0), throughput: newer?.throughput ?? c.throughput });
		}
		if (this.pending.size > 0) this.schedule();
	}
}
