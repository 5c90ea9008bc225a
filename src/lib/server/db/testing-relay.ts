/**
 * A TCP relay between the driver and the test PostgreSQL, for tests of what the driver sends and of
 * connections lost under it: it records each write of the clients, can hold the server's answers back,
 * can look at (and keep back) each client write before relaying it, can silence one connection both ways
 * (a network that drops packets and closes nothing), and can drop every connection, as a database host that
 * goes away does, closing them or resetting them (the driver then sees a socket error before the close).
 * New connections are relayed again after a drop.
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
	/** The silence asked for and not yet begun: the first client write it matches starts it. */
	private silenceWanted: { match: (data: string) => boolean; began: () => void } | null = null;
	/** The silenced connection's bytes each way, kept until heal(). */
	private silenced: { up: Buffer[]; down: Buffer[]; heal: () => void } | null = null;

	private constructor(target: URL) {
		this.server = net.createServer((client) => {
			const upstream = net.connect(Number(target.port || 5432), target.hostname);
			let silence: { up: Buffer[]; down: Buffer[] } | null = null;
			client.on('data', (d: Buffer) => {
				this.writes.push(d.toString('latin1'));
				if (this.holding) this.sent += d.toString('latin1');
				const wanted = this.silenceWanted;
				if (!silence && wanted?.match(d.toString('latin1'))) {
					this.silenceWanted = null;
					const kept = (silence = { up: [], down: [] });
					this.silenced = {
						...kept,
						heal: () => {
							silence = null;
							for (const b of kept.up.splice(0)) upstream.write(b);
							for (const b of kept.down.splice(0)) client.write(b);
						}
					};
					wanted.began();
				}
				if (silence) silence.up.push(d);
				else if (this.intercept?.(d) !== false) upstream.write(d);
			});
			upstream.on('data', (d: Buffer) => {
				if (silence) silence.down.push(d);
				else if (this.holding) this.held.push(() => client.write(d));
				else client.write(d);
			});
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

	/**
	 * Silences the first connection whose next client write `match`es (as latin1 text), from that write on:
	 * neither side hears the other any more, and neither connection closes. Resolves when it begins.
	 */
	silence(match: (data: string) => boolean): Promise<void> {
		return new Promise((began) => (this.silenceWanted = { match, began }));
	}

	/** Ends the silence: what each side sent meanwhile arrives, in order, and the connection carries on. */
	heal() {
		this.silenced?.heal();
		this.silenced = null;
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

	/** Drops every connection now with a reset (TCP RST), as a host that restarts or a middlebox does: the driver's socket fails with ECONNRESET. */
	reset() {
		this.held.length = 0;
		for (const socket of this.sockets) socket.resetAndDestroy();
	}

	close(): Promise<void> {
		this.drop();
		return new Promise((r) => this.server.close(() => r()));
	}
}
