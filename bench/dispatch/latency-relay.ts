/**
 * A TCP relay that delays every chunk by half of `rttMs` each way: a database on another machine, for
 * --pg-latency. netem is not available on these machines (notes: network-testing), so the delay is added
 * in user space, here in the bench's process; chunks keep their order (timers of one delay fire in the
 * order they were set).
 */
import net from 'node:net';

export interface LatencyRelay {
	/** The given postgres:// URL with its host and port replaced by the relay's. */
	url: string;
	close(): void;
}

export async function latencyRelay(targetUrl: string, rttMs: number): Promise<LatencyRelay> {
	const target = new URL(targetUrl);
	const oneWay = rttMs / 2;
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const upstream = net.connect(Number(target.port || 5432), target.hostname);
		client.setNoDelay(true);
		upstream.setNoDelay(true);
		client.on('data', (d) => setTimeout(() => upstream.write(d), oneWay));
		upstream.on('data', (d) => setTimeout(() => client.write(d), oneWay));
		client.on('close', () => setTimeout(() => upstream.end(), oneWay));
		upstream.on('close', () => setTimeout(() => client.end(), oneWay));
		client.on('error', () => upstream.destroy());
		upstream.on('error', () => client.destroy());
		for (const s of [client, upstream]) {
			sockets.add(s);
			s.on('close', () => sockets.delete(s));
		}
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const url = new URL(targetUrl);
	url.hostname = '127.0.0.1';
	url.port = String((server.address() as net.AddressInfo).port);
	return {
		url: url.toString(),
		close() {
			server.close();
			for (const s of sockets) s.destroy();
		}
	};
}
