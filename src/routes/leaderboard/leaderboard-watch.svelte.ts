import { replaceState } from '$app/navigation';
import { dashboardSocket, type DashboardSocket } from '$lib/components/dashboard-socket';
import type { CreditWindow, Leaderboard } from '$lib/protocol/dashboard';

const noneRisen: ReadonlySet<string> = idSet([]);

/** Replaced whole on each update ($state.raw), never changed in place: a plain Set is what the page reads. */
function idSet(ids: string[]): ReadonlySet<string> {
	return new Set(ids);
}

/** The leaderboard for one window, pushed by the hub whenever credit is granted; switching windows re-subscribes. */
export class LeaderboardWatch {
	#board = $state.raw<Leaderboard>() as Leaderboard;
	#window = $state<CreditWindow>('all');
	#risen = $state.raw<ReadonlySet<string>>(noneRisen);
	private socket: DashboardSocket | null = null;

	constructor(initial: Leaderboard) {
		this.#board = initial;
		this.#window = initial.window;
	}

	get board(): Leaderboard {
		return this.#board;
	}

	/** The credit window shown: all time, or a recent stretch. */
	get window(): CreditWindow {
		return this.#window;
	}

	/** Volunteers whose rank just went up, so the page can mark them for a moment. */
	get risen(): ReadonlySet<string> {
		return this.#risen;
	}

	start() {
		this.socket = dashboardSocket((s) => s.emit('leaderboard:watch', { window: this.#window }, () => {}));
		this.socket.on('leaderboard:update', (b) => {
			if (b.window !== this.#window) return;
			const before = Object.fromEntries(this.#board.volunteers.map((v) => [v.id, v.credit]));
			this.#risen = idSet(b.volunteers.filter((v) => v.credit > (before[v.id] ?? 0)).map((v) => v.id));
			this.#board = b;
		});
	}

	choose(window: CreditWindow) {
		if (window === this.#window) return;
		this.#window = window;
		this.#risen = noneRisen;
		this.socket?.emit('leaderboard:watch', { window }, () => {});
		// eslint-disable-next-line svelte/no-navigation-without-resolve -- only the query of this page changes
		replaceState(`?window=${window}`, {});
	}

	stop() {
		this.socket?.close();
	}
}
