/**
 * One hub per process, shared by SvelteKit's server bundle and whatever puts Socket.IO on the HTTP
 * server (the production entry `server.js`, or the Vite plugin in development). Those can load this
 * module as separate instances, so the hub lives on globalThis under a registered symbol.
 */
import type { Server as HttpServer, RequestListener } from 'node:http';
import { startHub, type Hub } from './hub';
import { attachRealtime } from './realtime/attach';
import { startBatchWorker } from './openai/batches/batch-worker';
import { createHubServer } from './http/edge/create-hub-server';
import { trackInFlight, type InFlight } from './shutdown/in-flight';
import { stopServing } from './shutdown/stop-serving';

interface Runtime {
	hub: Promise<Hub>;
	/** The production HTTP server around `listener`, hardened at the edge (http/edge/). */
	createServer(listener: RequestListener): Promise<HttpServer>;
	attach(httpServer: HttpServer): Promise<void>;
	/** The clean stop of the server made by createServer (shutdown/stop-serving.ts); server.js bounds its time. */
	shutDown(httpServer: HttpServer): Promise<void>;
}

const KEY = Symbol.for('exostack.runtime');
type Global = typeof globalThis & { [KEY]?: Runtime };

/** Starts the hub on first call; every later call, from any module instance, gets the same one. */
export function runtime(): Runtime {
	const g = globalThis as Global;
	if (!g[KEY]) {
		// The batch worker needs the whole hub (jobs, blobs, notices), so it starts here rather than in startHub, which its modules import types from.
		const hub = startHub().then((h) => {
			const batches = startBatchWorker(h);
			h.onStop(async () => batches.stop());
			return h;
		});
		const requests = new WeakMap<HttpServer, InFlight>();
		g[KEY] = {
			hub,
			async createServer(listener) {
				const server = createHubServer(listener, (await hub).config);
				requests.set(server, trackInFlight(server));
				return server;
			},
			async attach(httpServer) {
				attachRealtime(await hub, httpServer);
			},
			async shutDown(httpServer) {
				const inFlight = requests.get(httpServer);
				if (!inFlight) throw new Error('shutDown() takes the server that createServer() made');
				await stopServing(httpServer, await hub, inFlight);
			}
		};
	}
	return g[KEY];
}

export function getHub(): Promise<Hub> {
	return runtime().hub;
}
