/** The CLI's view of a hub: where it is, the API token, and the typed client (api-client/) whose refusals become the CLI's errors. */
import { ApiRequestError } from '../api-client/api-request-error';
import { HubApi } from '../api-client/hub-api';
import { hubToken } from './hub-token';
import { withConfigFile } from './config-env';

export interface HubClient {
	url: string;
	token: string | null;
	/** Runs one call of the typed client; its ApiRequestError becomes a CliError that says what the hub said. */
	use<T>(call: (api: HubApi) => Promise<T>): Promise<T>;
}

export class CliError extends Error {
	constructor(
		message: string,
		readonly exitCode = 1
	) {
		super(message);
	}
}

export function hubClient(opts: { hub?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): HubClient {
	const url = (opts.hub ?? env.EXOSTACK_HUB_URL ?? 'http://localhost:8000').replace(/\/+$/, '');
	if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new CliError(`--hub must be an http(s) URL, not "${url}"`, 2);
	// --token, else EXOSTACK_API_TOKEN, else a local hub's data/api-token (either may come from the configuration file here): each only for the hub it belongs to (hub-token.ts).
	const { token, withheld } = hubToken(url, opts.token, withConfigFile(env));
	const api = new HubApi({ baseUrl: url, token });
	return {
		url,
		token,
		async use(call) {
			try {
				return await call(api);
			} catch (e) {
				if (!(e instanceof ApiRequestError)) throw e;
				// Status 0: unreachable; a 2xx: an answer off the contract. Neither is the hub refusing.
				if (e.status === 0 || e.status < 400) throw new CliError(e.message);
				throw new CliError(`the hub refused: ${e.message}${e.status === 401 && withheld ? ` (${withheld})` : ''}`);
			}
		}
	};
}
