/**
 * How many idle volunteers one hub process holds: K connected, authenticated sockets with heartbeats
 * running (Socket.IO pings, the hub's session heartbeat to the database), then the hub's event-loop
 * lag p99 over a quiet window and its memory per connection, read from its own /metrics.
 */
import { io, type Socket } from 'socket.io-client';
import { startHubProcess, tempDir } from '../../tests/harness/hub-process';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';
import { metricValue } from './stats';

export async function idleConnections(o: { databaseUrl: string; connections: number; windowMs: number }) {
	const hub = await startHubProcess({ databaseUrl: o.databaseUrl, dataDir: tempDir(), env: { EXOSTACK_DEMO_MODELS: 'off' } });
	const sockets: Socket[] = [];
	try {
		const scrape = async () => (await fetch(`${hub.url}/metrics`)).text();
		await new Promise((r) => setTimeout(r, 1000));
		const before = metricValue(await scrape(), 'exostack_process_resident_memory_bytes');
		const started = performance.now();
		const capabilities = nodeCapabilities();
		for (let i = 0; i < o.connections; i += 250) {
			const batch = Array.from({ length: Math.min(250, o.connections - i) }, () => {
				const auth = { identity: null, capabilities, mode: 'always', readiness: { score: 90, ready: true } };
				const s = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, auth });
				sockets.push(s);
				return new Promise<void>((resolve, reject) => {
					s.once('welcome', () => resolve());
					s.once('connect_error', reject);
				});
			});
			await Promise.all(batch);
		}
		const connectSeconds = (performance.now() - started) / 1000;
		await scrape(); // prom-client's event-loop histogram restarts at each scrape: the window starts now
		await new Promise((r) => setTimeout(r, o.windowMs));
		const text = await scrape();
		const after = metricValue(text, 'exostack_process_resident_memory_bytes');
		const open = metricValue(text, 'exostack_volunteer_sockets');
		return {
			connections: open,
			connectSeconds,
			lagP99Ms: metricValue(text, 'exostack_nodejs_eventloop_lag_p99_seconds') * 1000,
			lagMaxMs: metricValue(text, 'exostack_nodejs_eventloop_lag_max_seconds') * 1000,
			rssBeforeMb: before / 2 ** 20,
			rssAfterMb: after / 2 ** 20,
			kbPerConnection: (after - before) / 1024 / open
		};
	} finally {
		for (const s of sockets) s.close();
		await hub.stop();
	}
}
