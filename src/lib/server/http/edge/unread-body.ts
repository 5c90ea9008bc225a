import type { IncomingMessage, ServerResponse } from 'node:http';

/** A refused body up to this size is read and dropped, and the connection stays open for the client's next request. */
const DRAIN_BYTES = 1024 * 1024;
/** How long a refused body may keep arriving before the hub closes the connection, and then how long it reads on. */
const LINGER_MS = 5000;

/**
 * A route may answer before it reads the body (a 401 before a 2 MB upload, a 413 on its Content-Length).
 * SvelteKit's request stream then sits paused with the rest of the body unread: the connection hangs, or
 * is destroyed with bytes unread, and the kernel answers those with a reset that can reach the client
 * before it has read the response (Node's fetch saw ECONNRESET instead of the JSON error).
 *
 * So once the response is sent, the rest of the body is read and dropped: up to DRAIN_BYTES the
 * connection then serves the client's next request as usual; past that, or after LINGER_MS, the hub
 * half-closes it (FIN after the response) and keeps dropping what arrives for LINGER_MS more before it
 * lets go: a lingering close, as Apache and nginx do, so the client always reads the answer.
 */
export function settleUnreadBody(req: IncomingMessage, res: ServerResponse): void {
	res.once('finish', () => {
		if (req.complete || req.destroyed) return;
		const socket = req.socket;
		let drained = 0;
		let closing = false;
		const close = () => {
			if (closing) return;
			closing = true;
			socket.end();
			setTimeout(() => socket.destroy(), LINGER_MS).unref();
		};
		const deadline = setTimeout(close, LINGER_MS).unref();
		// Whoever was reading (SvelteKit's body stream) has stopped; nothing reads what arrives from here on.
		req.removeAllListeners('data');
		req.on('data', (chunk: Buffer) => {
			drained += chunk.byteLength;
			if (drained > DRAIN_BYTES) close();
		});
		req.once('end', () => clearTimeout(deadline));
		socket.once('close', () => clearTimeout(deadline));
		req.resume();
	});
}
