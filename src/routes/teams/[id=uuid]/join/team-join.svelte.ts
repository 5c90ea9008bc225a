import { z } from 'zod';
import { TeamMembershipView } from '$lib/protocol/profile';

type Loader = () => Promise<string | null>;

/** Joining one team from its link, with the identity this browser volunteers under. */
export class TeamJoin {
	#state = $state<'looking' | 'no-identity' | 'ready' | 'joining' | 'joined'>('looking');
	#error = $state('');

	constructor(private readonly teamId: string) {}

	get state() {
		return this.#state;
	}

	/** Why the last join failed, in the hub's words. */
	get error() {
		return this.#error;
	}

	async findIdentity(load: Loader) {
		this.#state = (await load()) ? 'ready' : 'no-identity';
	}

	async join(load: Loader) {
		const identity = await load();
		if (!identity) return void (this.#state = 'no-identity');
		this.#state = 'joining';
		this.#error = '';
		const response = await fetch('/api/volunteers/team', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity, team_id: this.teamId })
		});
		const body: unknown = await response.json().catch(() => null);
		const joined = TeamMembershipView.safeParse(body);
		if (response.ok && joined.success && joined.data.team_id === this.teamId) return void (this.#state = 'joined');
		const refusal = z.object({ error: z.string() }).safeParse(body);
		this.#error = refusal.success ? refusal.data.error : `the hub answered ${response.status}`;
		this.#state = 'ready';
	}
}
