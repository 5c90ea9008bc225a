import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { networkOf } from '../../net/network-of';

/**
 * Whose connection this is, for counting: an IPv4 address, or an IPv6 /64 (one subscriber's network:
 * a single host there can use any of its 2^64 addresses).
 */
export function addressKey(address: string | undefined): string {
	return networkOf(address, { v4: 32, v6: 64 }).replace(/\/32$/, '');
}

/**
 * This machine's own loopback address is not capped: a reverse proxy on the same machine (and the
 * health checks beside it) connects from it for every client. Another 127.x address, or anything else,
 * is counted like any client.
 */
const UNCAPPED = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const REFUSAL = JSON.stringify({ error: 'too many connections from your address; close some and try again' });

/** Answers 503 and closes, reading what the client still sends meanwhile so the close is no reset before it reads the answer. */
function refuse(socket: Socket): void {
	socket.on('error', () => {});
	socket.end(
		'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\nretry-after: 5\r\n' +
			`content-length: ${REFUSAL.length}\r\n\r\n${REFUSAL}`
	);
	socket.resume();
	setTimeout(() => socket.destroy(), 2000).unref();
}

/**
 * Caps the connections one address (one IPv6 /64) holds open, WebSockets included: past `max`, a new
 * connection is answered 503 and closed before the HTTP server ever parses it, so one client cannot
 * take every socket the process has. 0 turns the cap off; 127.0.0.1 and ::1 are never capped (UNCAPPED).
 *
 * The HTTP server's own 'connection' listener is what gives a socket its HTTP parser; it is taken off
 * and called only for admitted sockets, so a refused one never reaches it (or Socket.IO).
 */
export function limitConnectionsPerAddress(server: Server, max: number): void {
	if (max <= 0) return;
	const listeners = server.listeners('connection');
	if (listeners.length !== 1) throw new Error('limitConnectionsPerAddress must wrap a fresh HTTP server');
	const [admit] = listeners as ((socket: Socket) => void)[];
	server.removeListener('connection', admit);
	const open = new Map<string, number>();
	server.on('connection', (socket: Socket) => {
		if (UNCAPPED.has(socket.remoteAddress ?? '')) return admit.call(server, socket);
		const key = addressKey(socket.remoteAddress);
		const count = open.get(key) ?? 0;
		if (count >= max) return refuse(socket);
		open.set(key, count + 1);
		socket.once('close', () => {
			const left = (open.get(key) ?? 1) - 1;
			if (left > 0) open.set(key, left);
			else open.delete(key);
		});
		admit.call(server, socket);
	});
}
