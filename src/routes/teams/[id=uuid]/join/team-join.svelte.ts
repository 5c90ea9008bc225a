import type { TeamMembershipView } from '$lib/protocol/profile';

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
		const body = (await response.json().catch(() => ({}))) as Partial<TeamMembershipView> & { error?: string };
		if (response.ok && body.team_id === this.teamId) return void (this.#state = 'joined');
		this.#error = body.error ?? `the hub answered ${response.status}`;
		this.#state = 'ready';
	}
}
