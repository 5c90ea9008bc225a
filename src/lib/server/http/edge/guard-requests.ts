import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import onHeaders from 'on-headers';
import { hostAllowed, type HostPolicyConfig } from './host-policy';
import { settleUnreadBody } from './unread-body';
import { log } from '../../log';

/** The request target must be a path (origin-form) whose percent-escapes decode. */
function validTarget(url: string | undefined): boolean {
	if (!url?.startsWith('/')) return false;
	try {
		decodeURIComponent(url.split('?')[0]);
		return true;
	} catch {
		return false;
	}
}

function sendError(res: ServerResponse, status: number, error: string): void {
	const body = JSON.stringify({ error });
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

function failed(res: ServerResponse, error: unknown): void {
	log.error({ err: error }, 'request failed');
	if (!res.headersSent) sendError(res, 500, 'the hub could not process this request');
	else res.destroy();
}

/**
 * Wraps the hub's request listener so that nothing a client sends can stop the process: a throw in the
 * listener, synchronous or not, is a 500 for that request (Node would otherwise exit on it: nothing
 * catches an exception thrown in a 'request' handler); a URL that does not decode is a 400 before any
 * code parses it; a Host the hub does not answer to is a 421 (DNS rebinding, see host-policy.ts). Every
 * response gets `headers` (a 304 no CSP), and a body left unread is settled after the response (unread-body.ts).
 */
export function guardRequests(listener: RequestListener, config: HostPolicyConfig, headers: Record<string, string>): RequestListener {
	return (req: IncomingMessage, res: ServerResponse) => {
		try {
			for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
			// A 304's headers replace the cached response's (RFC 9111 §4.3.4): the default CSP on one would
			// overwrite a cached page's own, which carries the hash of its inline script, and the page breaks.
			onHeaders(res, function (this: ServerResponse) {
				if (this.statusCode === 304) this.removeHeader('Content-Security-Policy');
			});
			settleUnreadBody(req, res);
			if (!hostAllowed(req.headers.host, config))
				return sendError(res, 421, 'this hub does not answer to that host name (its operator can add it with EXOSTACK_PUBLIC_URL)');
			if (!validTarget(req.url)) return sendError(res, 400, 'malformed URL');
			const pending: unknown = listener(req, res);
			if (pending instanceof Promise) pending.catch((e) => failed(res, e));
		} catch (e) {
			failed(res, e);
		}
	};
}
