/** The CLI's view of a hub: where it is, the API token, and JSON calls that fail with the hub's own message. */
import { hubToken } from './hub-token';
import { withConfigFile } from './config-env';

export interface HubClient {
	url: string;
	token: string | null;
	call<T = unknown>(pathname: string, init?: RequestInit & { json?: unknown }): Promise<T>;
	raw(pathname: string, init?: RequestInit): Promise<Response>;
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
	const raw = async (pathname: string, init: RequestInit = {}) => {
		const headers = new Headers(init.headers);
		if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
		try {
			return await fetch(`${url}${pathname}`, { ...init, headers });
		} catch (e) {
			throw new CliError(`cannot reach the hub at ${url}: ${(e as Error).cause ?? (e as Error).message}`);
		}
	};
	return {
		url,
		token,
		raw,
		async call<T>(pathname: string, init: RequestInit & { json?: unknown } = {}) {
			const headers = new Headers(init.headers);
			if (init.json !== undefined) headers.set('content-type', 'application/json');
			const res = await raw(pathname, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
			const body = await res.json().catch(() => null);
			if (!res.ok) {
				const reason = (body as { error?: string } | null)?.error ?? `HTTP ${res.status}`;
				throw new CliError(`the hub refused: ${reason}${res.status === 401 && withheld ? ` (${withheld})` : ''}`);
			}
			return body as T;
		}
	};
}
