/**
 * Sends a fuzzed request byte for byte (any target, method, header and body; no URL normalisation of
 * the kind fetch does) and reads the status of the reply. `Connection: close`, one request per
 * connection, so a request the hub never answers shows up as a timeout instead of blocking others.
 */
import { connect } from '../http-attacker';
import type { FuzzRequest } from './rest-routes';

export interface FuzzReply {
	status: number | null;
	/** The start of the body, for the failure message. */
	body: string;
	error: string | null;
}

export async function send(port: number, req: FuzzRequest, timeoutMs = 30_000): Promise<FuzzReply> {
	const headers = { host: `127.0.0.1:${port}`, ...req.headers, 'content-length': String(req.body?.length ?? 0), connection: 'close' };
	const head = `${req.method} ${req.target} HTTP/1.1\r\n${Object.entries(headers)
		.map(([k, v]) => `${k}: ${v}\r\n`)
		.join('')}\r\n`;
	const socket = await connect(port);
	socket.write(Buffer.concat([Buffer.from(head, 'latin1'), req.body ?? Buffer.alloc(0)]));
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let error: string | null = null;
		const timer = setTimeout(() => {
			error = `timeout: no reply within ${timeoutMs} ms`;
			socket.destroy();
		}, timeoutMs);
		socket.on('data', (d: Buffer) => {
			// The status line and a little of the body are all the test reads: keep memory flat on big replies.
			if (chunks.reduce((n, c) => n + c.length, 0) < 4096) chunks.push(d);
		});
		socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
		socket.on('close', () => {
			clearTimeout(timer);
			const text = Buffer.concat(chunks).toString('utf8');
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
			const bodyAt = text.indexOf('\r\n\r\n');
			resolve({ status: m ? Number(m[1]) : null, body: bodyAt < 0 ? '' : text.slice(bodyAt + 4, bodyAt + 304), error });
		});
	});
}
