/**
 * Whether the client of the request being handled has gone away. SvelteKit's `request.signal` cannot
 * say so for a request whose body was read: adapter-node aborts it only when the connection closes
 * before the body's end (kit's `getRequest`), and a /v1 POST has read its body long before it waits
 * for volunteers. So the hub's server records, per request, a signal that aborts when the response's
 * connection closes before the response ended, and a route reads it through the request's async context
 * (AsyncLocalStorage: it follows promises and awaits from the listener down, as SvelteKit's handler runs a
 * route, though not into callbacks of emitters made outside the request, such as the socket's events).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

const connection = new AsyncLocalStorage<AbortSignal>();

/** Runs `listener` for each request with a signal that aborts when its client leaves before the answer. */
export function watchClients(listener: RequestListener): RequestListener {
	return (req: IncomingMessage, res: ServerResponse) => {
		const gone = new AbortController();
		res.once('close', () => {
			if (!res.writableEnded) gone.abort();
		});
		return connection.run(gone.signal, () => listener(req, res));
	};
}

/**
 * A signal that aborts when the client of `request` goes away: the connection's (under the hub's own
 * server), or SvelteKit's own where there is none (the dev server).
 */
export function clientGone(request: Request): AbortSignal {
	const watched = connection.getStore();
	return watched ? AbortSignal.any([watched, request.signal]) : request.signal;
}
