import { dashboardSocket, type DashboardSocket } from '$lib/components/dashboard-socket';
import type { CreditHistory } from '$lib/protocol/dashboard';
import { getVolunteerHistory } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';

/**
 * A volunteer's page, live: it follows the all-time leaderboard, and when credit moves for this
 * volunteer it reads the history again (one small request per change, not per task).
 */
export class VolunteerWatch {
	#history = $state.raw<CreditHistory>([]);
	#credit = $state(0);
	#rank = $state<number | null>(null);
	private socket: DashboardSocket | null = null;

	constructor(
		private readonly id: string,
		initial: { history: CreditHistory; credit: number }
	) {
		this.#history = initial.history;
		this.#credit = initial.credit;
	}

	/** Credit per day and in total, oldest first. */
	get history(): CreditHistory {
		return this.#history;
	}

	/** All-time credit. */
	get credit() {
		return this.#credit;
	}

	/** Place on the all-time leaderboard; null when not on it. */
	get rank() {
		return this.#rank;
	}

	start() {
		this.socket = dashboardSocket((s) => s.emit('leaderboard:watch', { window: 'all' }, () => {}));
		this.socket.on('leaderboard:update', (b) => {
			const me = b.volunteers.find((v) => v.id === this.id);
			this.#rank = me?.rank ?? null;
			if (me && me.credit !== this.#credit) {
				this.#credit = me.credit;
				void this.reload();
			}
		});
	}

	private async reload() {
		// A failed reload keeps the chart as it is; the next credit change tries again.
		this.#history = await getVolunteerHistory(new HubApi(), this.id, this.#history.length || 30).catch(() => this.#history);
	}

	stop() {
		this.socket?.close();
	}
}
