import { ApiRequestError } from '$lib/api-client/api-request-error';
import { setTeam } from '$lib/api-client/endpoints';
import { HubApi } from '$lib/api-client/hub-api';

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
		try {
			const joined = await setTeam(new HubApi(), { identity, team_id: this.teamId });
			if (joined.team_id === this.teamId) return void (this.#state = 'joined');
			this.#error = 'the hub put this volunteer in another team';
		} catch (e) {
			if (!(e instanceof ApiRequestError)) throw e;
			this.#error = e.message;
		}
		this.#state = 'ready';
	}
}
