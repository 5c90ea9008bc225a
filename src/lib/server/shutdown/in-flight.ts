import type { Server as HttpServer } from 'node:http';

export interface InFlight {
	/** Requests being answered now. */
	readonly count: number;
	/** Resolves once no request is being answered (at once when none is). */
	settled(): Promise<void>;
}

/**
 * Counts the HTTP requests the server is answering, so a shutdown can wait for them rather than cut
 * them off. WebSocket upgrades are not requests here ('upgrade', not 'request'): the realtime layer
 * ends those itself. A response counts until it is finished or its connection is gone ('close' covers both).
 */
export function trackInFlight(server: HttpServer): InFlight {
	let count = 0;
	let waiting: (() => void)[] = [];
	server.on('request', (_req, res) => {
		count++;
		res.once('close', () => {
			if (--count > 0) return;
			for (const resolve of waiting) resolve();
			waiting = [];
		});
	});
	return {
		get count() {
			return count;
		},
		settled: () => (count === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve)))
	};
}
