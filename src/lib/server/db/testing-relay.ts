/**
 * A TCP relay between the driver and the test PostgreSQL, for tests of what the driver sends and of
 * connections lost under it: it records each write of the clients, can hold the server's answers back,
 * can look at (and keep back) each client write before relaying it, and can drop every connection, as a
 * database host that goes away does. New connections are relayed again after a drop.
 */
import net from 'node:net';

export class PgRelay {
	/** While set, the server's bytes are kept back until release(). */
	holding = false;
	/** What clients sent while holding. */
	sent = '';
	/** Each write of the clients, as it came. */
	readonly writes: string[] = [];
	/** Sees each client write first; returning false keeps it from the server. */
	intercept: ((data: Buffer) => boolean) | null = null;
	private readonly held: (() => void)[] = [];
	private readonly sockets = new Set<net.Socket>();
	private readonly server: net.Server;

	private constructor(target: URL) {
		this.server = net.createServer((client) => {
			const upstream = net.connect(Number(target.port || 5432), target.hostname);
			client.on('data', (d: Buffer) => {
				this.writes.push(d.toString('latin1'));
				if (this.holding) this.sent += d.toString('latin1');
				if (this.intercept?.(d) !== false) upstream.write(d);
			});
			upstream.on('data', (d) => (this.holding ? this.held.push(() => client.write(d)) : client.write(d)));
			for (const [socket, other] of [
				[client, upstream],
				[upstream, client]
			]) {
				this.sockets.add(socket);
				socket.on('close', () => (this.sockets.delete(socket), other.destroy()));
				socket.on('error', () => {});
			}
		});
	}

	/** A relay to the PostgreSQL of `targetUrl`, and that URL with the relay's address in it. */
	static async open(targetUrl: string): Promise<{ relay: PgRelay; url: string }> {
		const relay = new PgRelay(new URL(targetUrl));
		await new Promise<void>((r) => relay.server.listen(0, '127.0.0.1', r));
		const url = new URL(targetUrl);
		url.hostname = '127.0.0.1';
		url.port = String((relay.server.address() as net.AddressInfo).port);
		return { relay, url: url.toString() };
	}

	/** Stops holding and sends what was held. */
	release() {
		this.holding = false;
		for (const write of this.held.splice(0)) write();
	}

	/** Drops every connection now; answers held back are lost. */
	drop() {
		this.held.length = 0;
		for (const socket of this.sockets) socket.destroy();
	}

	close(): Promise<void> {
		this.drop();
		return new Promise((r) => this.server.close(() => r()));
	}
}
