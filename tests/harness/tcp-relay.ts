/**
 * A TCP relay in front of PostgreSQL whose link a test can cut and restore: cut, every connection
 * through it is dropped and new ones are refused (ECONNREFUSED), as when the database host goes away;
 * restored, it relays again on the same port. A real outage, seen by the real driver, for the hub on
 * the other side.
 */
import net from 'node:net';

export interface TcpRelay {
	/** The target's URL with the relay's port. */
	url: string;
	cut(): Promise<void>;
	restore(): Promise<void>;
	close(): Promise<void>;
}

export async function startTcpRelay(targetUrl: string): Promise<TcpRelay> {
	const target = new URL(targetUrl);
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const upstream = net.connect(Number(target.port || 5432), target.hostname);
		client.pipe(upstream).pipe(client);
		sockets.add(client).add(upstream);
		const close = () => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on('close', close).on('error', close);
		upstream.on('close', close).on('error', close);
	});
	const listen = (port: number) => new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
	const stop = () => {
		const closed = new Promise<void>((r) => server.close(() => r()));
		for (const s of sockets) s.destroy();
		return closed;
	};
	await listen(0);
	const port = (server.address() as net.AddressInfo).port;
	const url = new URL(targetUrl);
	url.hostname = '127.0.0.1';
	url.port = String(port);
	return {
		url: url.toString(),
		cut: () => (server.listening ? stop() : Promise.resolve()),
		restore: () => (server.listening ? Promise.resolve() : listen(port)),
		close: () => (server.listening ? stop() : Promise.resolve())
	};
}
