import { replaceState } from '$app/navigation';
import { dashboardSocket, type DashboardSocket } from '$lib/components/dashboard-socket';
import type { CreditWindow, Leaderboard } from '$lib/protocol/dashboard';

/** The leaderboard for one window, pushed by the hub whenever credit is granted; switching windows re-subscribes. */
export class LeaderboardWatch {
	board = $state.raw<Leaderboard>() as Leaderboard;
	window = $state<CreditWindow>('all');
	/** Volunteers whose rank just went up, so the page can mark them for a moment. */
	risen = $state.raw<Set<string>>(new Set());
	private socket: DashboardSocket | null = null;

	constructor(initial: Leaderboard) {
		this.board = initial;
		this.window = initial.window;
	}

	start() {
		this.socket = dashboardSocket((s) => s.emit('leaderboard:watch', { window: this.window }, () => {}));
		this.socket.on('leaderboard:update', (b) => {
			if (b.window !== this.window) return;
			const before = new Map(this.board.volunteers.map((v) => [v.id, v.credit]));
			this.risen = new Set(b.volunteers.filter((v) => v.credit > (before.get(v.id) ?? 0)).map((v) => v.id));
			this.board = b;
		});
	}

	choose(window: CreditWindow) {
		if (window === this.window) return;
		this.window = window;
		this.risen = new Set();
		this.socket?.emit('leaderboard:watch', { window }, () => {});
		replaceState(`?window=${window}`, {});
	}

	stop() {
		this.socket?.close();
	}
}
