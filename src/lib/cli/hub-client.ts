/** The CLI's view of a hub: where it is, the API token, and JSON calls that fail with the hub's own message. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

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

/** --token, else EXOSTACK_API_TOKEN, else the token a local hub saved in its data folder. */
function findToken(given: string | undefined, env: NodeJS.ProcessEnv): string | null {
	if (given) return given;
	if (env.EXOSTACK_API_TOKEN) return env.EXOSTACK_API_TOKEN;
	const file = path.join(env.EXOSTACK_DATA_DIR ?? 'data', 'api-token');
	return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

export function hubClient(opts: { hub?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): HubClient {
	const url = (opts.hub ?? env.EXOSTACK_HUB_URL ?? 'http://localhost:8000').replace(/\/+$/, '');
	const token = findToken(opts.token, env);
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
			if (!res.ok) throw new CliError(`the hub refused: ${(body as { error?: string } | null)?.error ?? `HTTP ${res.status}`}`);
			return body as T;
		}
	};
}
