import { dashboardSocket, type DashboardSocket } from '$lib/components/dashboard-socket';
import type { ClusterSummary, NodeRow } from '$lib/protocol/dashboard';

/** At most this many renders a second, however many node changes arrive: 1,000 nodes stay smooth. */
const RENDER_MS = 250;

export type NodeSort = 'readiness' | 'throughput' | 'tasks' | 'name' | 'connected';

const BY: Record<NodeSort, (a: NodeRow, b: NodeRow) => number> = {
	readiness: (a, b) => b.score - a.score,
	throughput: (a, b) => (b.throughput ?? -1) - (a.throughput ?? -1),
	tasks: (a, b) => b.tasks - a.tasks || b.tasksDone - a.tasksDone,
	name: (a, b) => (a.name ?? '\uffff' + a.id).localeCompare(b.name ?? '\uffff' + b.id),
	connected: (a, b) => a.connectedAt - b.connectedAt
};

/**
 * The dashboard's live state. Node deltas are applied to a plain Map as they arrive and published to
 * the page (one sorted, frozen array: no deep reactivity over 1,000 rows) at most every RENDER_MS.
 */
export class DashboardState {
	#rows = $state.raw<NodeRow[]>([]);
	#summary = $state.raw<ClusterSummary | null>(null);
	#sort = $state<NodeSort>('readiness');
	#connected = $state(false);
	/** From the rows, not the summary: the summary comes once a second, nodes a few times. */
	readonly #readyNodes = $derived(this.#rows.filter((r) => r.ready).length);
	readonly #tasksRunning = $derived(this.#rows.reduce((n, r) => n + r.tasks, 0));
	readonly #throughputNow = $derived.by(() => {
		const t = this.#summary?.throughput ?? [];
		if (t.length < 2 || !this.#summary) return 0;
		const [start, current] = t[t.length - 1];
		const filled = Math.min(1, Math.max(0, (this.#summary.at - start) / (start - t[t.length - 2][0])));
		return current + t[t.length - 2][1] * (1 - filled);
	});
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- plain on purpose: rows are published as one frozen array (publish()), not tracked per node
	private nodes = new Map<string, NodeRow>();
	private socket: DashboardSocket | null = null;
	private pending: ReturnType<typeof setTimeout> | null = null;

	/** Every live node, sorted by `sort`. */
	get rows(): NodeRow[] {
		return this.#rows;
	}

	get summary() {
		return this.#summary;
	}

	get sort() {
		return this.#sort;
	}

	/** Whether the hub's updates are arriving. */
	get connected() {
		return this.#connected;
	}

	get readyNodes() {
		return this.#readyNodes;
	}

	get tasksRunning() {
		return this.#tasksRunning;
	}

	/** Inputs per second over the last 10 s: the newest (filling) bucket plus the part of the one before that is still in range. */
	get throughputNow() {
		return this.#throughputNow;
	}

	start() {
		this.socket = dashboardSocket((s) => s.emit('overview:watch', {}, () => {}));
		this.socket.on('connect', () => (this.#connected = true));
		this.socket.on('disconnect', () => (this.#connected = false));
		this.socket.on('nodes:delta', (d) => {
			if (d.reset) this.nodes.clear();
			for (const n of d.upsert) this.nodes.set(n.id, n);
			for (const id of d.remove) this.nodes.delete(id);
			this.schedule();
		});
		this.socket.on('cluster:summary', (s) => (this.#summary = s));
	}

	sortBy(sort: NodeSort) {
		this.#sort = sort;
		this.publish();
	}

	stop() {
		this.socket?.close();
		if (this.pending) clearTimeout(this.pending);
	}

	private schedule() {
		this.pending ??= setTimeout(() => {
			this.pending = null;
			this.publish();
		}, RENDER_MS);
	}

	private publish() {
		const by = BY[this.#sort];
		this.#rows = [...this.nodes.values()].sort((a, b) => by(a, b) || a.id.localeCompare(b.id));
	}
}
