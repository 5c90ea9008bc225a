import type { Hub } from '../hub';
import { leaderboardRoom, OVERVIEW_ROOM, type DashboardNamespace } from './rooms';
import { CREDIT_WINDOWS, type ClusterSummary, type CreditWindow, type Leaderboard, type NodeRow } from '../../protocol/dashboard';
import { loadLiveNodes, nodeRows } from '../dashboard/node-rows';
import { clusterSummary } from '../dashboard/cluster-summary';
import { loadLeaderboard } from '../volunteers/leaderboard';
import { ledgerVersion } from '../volunteers/credit-queries';
import { sessionStaleMs } from '../volunteers/sessions';

/** How often a hub process reads the cluster for its watching pages: bounded, whatever the number of nodes or tasks. */
export const FEED_MS = 400;
/** The cluster summary (jobs, throughput) costs more to read than the nodes and moves slower: once a second is enough. */
const SUMMARY_MS = 1000;
/** A leaderboard is read again at least this often even without new credit: windows slide, names change. */
const LEADERBOARD_REFRESH_MS = 15_000;

/**
 * Pushes dashboard and leaderboard pages their data. Each hub process reads the shared database on
 * a fixed beat and tells only its own sockets (`nsp.local`), so pages on any process see nodes and
 * credit from every process, each change once, and a busy cluster costs one read per beat rather
 * than one event per task. Nothing is read while no page on this process is watching.
 */
export class DashboardFeed {
	private nodes = new Map<string, string>();
	private rows: NodeRow[] = [];
	private summary: ClusterSummary | null = null;
	private summaryJson = '';
	private summaryAt = 0;
	private boards = new Map<CreditWindow, { version: string; at: number }>();
	/** The newest ranking read per window, handed to pages that start watching within a beat of it (many pages opening at once cost one read). */
	private latest = new Map<CreditWindow, { board: Leaderboard; at: number }>();
	private timer: NodeJS.Timeout | null = null;
	private busy = false;

	constructor(
		private readonly hub: Hub,
		private readonly nsp: DashboardNamespace
	) {}

	start() {
		this.timer = setInterval(() => void this.beat(), FEED_MS);
		this.timer.unref();
	}

	stop() {
		if (this.timer) clearInterval(this.timer);
	}

	/** A page that starts watching gets every node and the latest summary at once, then the deltas with everyone else. */
	async watchOverview(socket: { join(room: string): unknown; emit: DashboardNamespace['emit'] }) {
		if (!this.watched(OVERVIEW_ROOM)) await this.readOverview(false);
		await socket.join(OVERVIEW_ROOM);
		socket.emit('nodes:delta', { reset: true, upsert: this.rows, remove: [] });
		if (this.summary) socket.emit('cluster:summary', this.summary);
	}

	async leaderboardNow(window: CreditWindow): Promise<Leaderboard> {
		const cached = this.latest.get(window);
		if (cached && Date.now() - cached.at < FEED_MS) return cached.board;
		return this.rank(window);
	}

	private async rank(window: CreditWindow) {
		const board = await loadLeaderboard(this.hub.db, window);
		this.latest.set(window, { board, at: Date.now() });
		return board;
	}

	private watched(room: string) {
		return (this.nsp.adapter.rooms.get(room)?.size ?? 0) > 0;
	}

	private async beat() {
		if (this.busy) return; // a slow read skips a beat rather than piling reads up
		this.busy = true;
		try {
			if (this.watched(OVERVIEW_ROOM)) await this.readOverview(true);
			await this.readLeaderboards();
		} catch (err) {
			this.hub.observe.log.error({ err }, 'dashboard feed read failed');
		} finally {
			this.busy = false;
		}
	}

	/** Reads every live node, and sends watchers only the nodes that changed, then the summary (at most once a second) if it changed. */
	private async readOverview(send: boolean) {
		const { sessions, leased } = await loadLiveNodes(this.hub.db, sessionStaleMs(this.hub.config.heartbeatMs));
		const rows = nodeRows(sessions, leased);
		const next = new Map(rows.map((r) => [r.id, JSON.stringify(r)]));
		const upsert = rows.filter((r) => this.nodes.get(r.id) !== next.get(r.id));
		const remove = [...this.nodes.keys()].filter((id) => !next.has(id));
		this.nodes = next;
		this.rows = rows;
		const room = this.nsp.local.to(OVERVIEW_ROOM);
		if (send && (upsert.length || remove.length)) room.emit('nodes:delta', { reset: false, upsert, remove });
		if (send && Date.now() - this.summaryAt < SUMMARY_MS) return;
		this.summaryAt = Date.now();
		const summary = await clusterSummary(this.hub.db, rows);
		const { at: _at, ...comparable } = summary;
		const summaryJson = JSON.stringify(comparable);
		const summaryChanged = summaryJson !== this.summaryJson;
		this.summary = summary;
		this.summaryJson = summaryJson;
		if (send && summaryChanged) room.emit('cluster:summary', summary);
	}

	/** One cheap read of the ledger's version decides whether any watched window needs ranking again. */
	private async readLeaderboards() {
		const windows = CREDIT_WINDOWS.filter((w) => this.watched(leaderboardRoom(w)));
		if (!windows.length) return;
		const version = await ledgerVersion(this.hub.db);
		const now = Date.now();
		for (const w of windows) {
			const last = this.boards.get(w);
			if (last && last.version === version && now - last.at < LEADERBOARD_REFRESH_MS) continue;
			const board = await this.rank(w);
			this.boards.set(w, { version: board.version, at: now });
			this.nsp.local.to(leaderboardRoom(w)).emit('leaderboard:update', board);
		}
	}
}
