/**
 * The typed client of the hub's REST API, for the pages and the CLI alike: each call sends its request
 * and parses the answer with the contract's own schema (protocol/rest/), so what it returns is what the
 * schema says or an ApiRequestError, never a cast.
 */
import type { z } from 'zod';
import { ApiErrorBody } from '../protocol/rest/common';
import { ApiRequestError } from './api-request-error';

export interface HubApiOptions {
	/** The hub's origin (`http://localhost:8000`); empty for the page's own origin. */
	baseUrl?: string;
	/** Sent as `Authorization: Bearer`: an API key, the admin token, or a node's token. */
	token?: string | null;
	fetch?: typeof fetch;
}

export type RequestInitJson = RequestInit & { json?: unknown };

export class HubApi {
	readonly baseUrl: string;
	readonly token: string | null;
	readonly #fetch: typeof fetch;

	constructor(opts: HubApiOptions = {}) {
		this.baseUrl = (opts.baseUrl ?? '').replace(/\/+$/, '');
		this.token = opts.token ?? null;
		this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
	}

	/** The raw answer of a 2xx (for streams and files); a refusal or an unreachable hub throws. */
	async send(pathname: string, init: RequestInitJson = {}): Promise<Response> {
		const { json, ...rest } = init;
		const headers = new Headers(rest.headers);
		if (this.token && !headers.has('authorization')) headers.set('authorization', `Bearer ${this.token}`);
		if (json !== undefined) headers.set('content-type', 'application/json');
		let res: Response;
		try {
			res = await this.#fetch(`${this.baseUrl}${pathname}`, {
				...rest,
				headers,
				body: json !== undefined ? JSON.stringify(json) : rest.body
			});
		} catch (e) {
			const cause = (e as Error).cause ?? (e as Error).message;
			throw new ApiRequestError(0, `cannot reach the hub${this.baseUrl ? ` at ${this.baseUrl}` : ''}: ${cause}`);
		}
		if (!res.ok) throw await refusal(res);
		return res;
	}

	/** Sends a request and parses its JSON answer with `schema`. */
	async call<S extends z.ZodType>(schema: S, pathname: string, init: RequestInitJson = {}): Promise<z.output<S>> {
		const res = await this.send(pathname, init);
		const body: unknown = await res.json().catch(() => undefined);
		const parsed = schema.safeParse(body);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			const where = issue.path.map(String).join('.') || 'body';
			throw new ApiRequestError(res.status, `the hub's answer to ${pathname} does not match the API contract (${where}: ${issue.message})`);
		}
		return parsed.data;
	}
}

/** The hub's `{error}` as an ApiRequestError; an answer without one still says its status. */
async function refusal(res: Response): Promise<ApiRequestError> {
	const parsed = ApiErrorBody.safeParse(await res.json().catch(() => undefined));
	return new ApiRequestError(res.status, parsed.success ? parsed.data.error : `HTTP ${res.status}`);
}
