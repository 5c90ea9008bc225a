import http, { type RequestListener } from 'node:http';
import type { HubConfig } from '../../config';
import { watchClients } from './client-gone';
import { limitConnectionsPerAddress } from './connection-limits';
import { guardRequests } from './guard-requests';
import { securityHeaders } from './security-headers';

/**
 * The hub's HTTP server, hardened at the edge (see SECURITY.md): every request guarded and given the
 * security headers, deadlines for a request's headers (EXOSTACK_HEADERS_TIMEOUT_SECONDS), its whole
 * body (EXOSTACK_REQUEST_TIMEOUT_SECONDS) and an idle keep-alive connection
 * (EXOSTACK_KEEPALIVE_TIMEOUT_SECONDS), and a cap on connections per address
 * (EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS), and each request's departing client noticed (client-gone.ts). There is no idle deadline once a request is in: a model
 * import may work for minutes before it answers, and WebSockets leave the HTTP server when they upgrade.
 */
export function createHubServer(listener: RequestListener, config: HubConfig): http.Server {
	const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnectionsPerAddress } = config.edge;
	const server = http.createServer(
		{
			headersTimeout: headersTimeoutMs,
			requestTimeout: requestTimeoutMs,
			// How often Node looks for connections past those deadlines (its default, 30 s, would let a
			// slow client overstay a 20 s deadline by half a minute).
			connectionsCheckingInterval: 1000
		},
		guardRequests(watchClients(listener), config, securityHeaders)
	);
	server.keepAliveTimeout = keepAliveTimeoutMs;
	limitConnectionsPerAddress(server, maxConnectionsPerAddress);
	return server;
}
