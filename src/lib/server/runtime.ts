/**
 * One hub per process, shared by SvelteKit's server bundle and whatever puts Socket.IO on the HTTP
 * server (the production entry `server.js`, or the Vite plugin in development). Those can load this
 * module as separate instances, so the hub lives on globalThis under a registered symbol.
 */
import type { Server as HttpServer } from 'node:http';
import { startHub, type Hub } from './hub';
import { attachRealtime } from './realtime/attach';
import { crossOriginIsolation } from './http/isolation';

interface Runtime {
	hub: Promise<Hub>;
	/** Headers every response needs (see isolation.ts); the server entry applies them. */
	headers: Record<string, string>;
	attach(httpServer: HttpServer): Promise<void>;
}

const KEY = Symbol.for('exostack.runtime');
type Global = typeof globalThis & { [KEY]?: Runtime };

/** Starts the hub on first call; every later call, from any module instance, gets the same one. */
export function runtime(): Runtime {
	const g = globalThis as Global;
	if (!g[KEY]) {
		const hub = startHub();
		g[KEY] = {
			hub,
			headers: crossOriginIsolation,
			async attach(httpServer) {
				attachRealtime(await hub, httpServer);
			}
		};
	}
	return g[KEY];
}

export function getHub(): Promise<Hub> {
	return runtime().hub;
}
