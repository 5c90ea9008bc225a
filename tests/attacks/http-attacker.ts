/**
 * What an attacker on the HTTP side has: the hub's address and a TCP socket. These helpers write
 * requests byte by byte as the attacker chooses (any request line, any Host, half a header, a body that
 * never ends) from a chosen source address: every 127.x.y.z is local, so each test can be "another
 * machine" by binding its own.
 */
import net from 'node:net';

export interface RawReply {
	/** The status of the first response, or null when the hub answered nothing. */
	status: number | null;
	headers: Record<string, string>;
	body: string;
	/** A socket error (ECONNRESET…) instead of, or after, the reply. */
	error: string | null;
}

/** Opens a TCP connection to the hub from `localAddress` (default 127.0.0.1). */
export function connect(port: number, localAddress = '127.0.0.1', host = '127.0.0.1'): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({ port, host, localAddress });
		socket.once('connect', () => resolve(socket));
		socket.once('error', reject);
	});
}

/** Sends `request` as is on a fresh connection and reads until the hub closes it (or `timeoutMs`). */
export async function rawExchange(
	port: number,
	request: string,
	opts: { localAddress?: string; timeoutMs?: number } = {}
): Promise<RawReply> {
	const socket = await connect(port, opts.localAddress);
	socket.write(request);
	const { data, error } = await readUntilClosed(socket, opts.timeoutMs ?? 10_000);
	return parseReply(data, error);
}

/** A GET with the headers given, `Connection: close`, on its own connection. */
export function rawGet(port: number, target: string, headers: Record<string, string> = {}, localAddress?: string): Promise<RawReply> {
	const lines = Object.entries({ host: `127.0.0.1:${port}`, ...headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
	return rawExchange(port, `GET ${target} HTTP/1.1\r\n${lines.join('')}\r\n`, { localAddress });
}

function readUntilClosed(socket: net.Socket, timeoutMs: number): Promise<{ data: string; error: string | null }> {
	return new Promise((resolve) => {
		let data = '';
		let error: string | null = null;
		const timer = setTimeout(() => {
			error = 'timeout: the hub kept the connection open';
			socket.destroy();
		}, timeoutMs);
		socket.on('data', (d) => (data += d));
		socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
		socket.on('close', () => {
			clearTimeout(timer);
			resolve({ data, error });
		});
	});
}

function parseReply(data: string, error: string | null): RawReply {
	const end = data.indexOf('\r\n\r\n');
	if (end < 0) return { status: null, headers: {}, body: '', error: error ?? (data ? 'incomplete reply' : null) };
	const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
	const headers: Record<string, string> = {};
	for (const line of lines) {
		const colon = line.indexOf(':');
		headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return { status: Number(statusLine.split(' ')[1]), headers, body: data.slice(end + 4), error };
}

/** Resolves with the ms until the hub closed `socket`, or null if it was still open after `withinMs`. */
export function closedWithin(socket: net.Socket, withinMs: number): Promise<number | null> {
	const start = performance.now();
	return new Promise((resolve) => {
		if (socket.destroyed) return resolve(0);
		const timer = setTimeout(() => resolve(null), withinMs);
		socket.on('error', () => {});
		socket.resume(); // read what the hub says (a 408, a 503), or its close is never seen
		socket.once('close', () => {
			clearTimeout(timer);
			resolve(performance.now() - start);
		});
	});
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long /api/health took, from an address of its own: what everyone else waits while an attack runs. */
export async function healthLatency(port: number, localAddress: string): Promise<number> {
	const t = performance.now();
	const reply = await rawGet(port, '/api/health', {}, localAddress);
	if (reply.status !== 200) throw new Error(`health answered ${reply.status ?? reply.error}`);
	return performance.now() - t;
}
