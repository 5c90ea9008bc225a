import type { Server as HttpServer } from 'node:http';
import type { Hub } from '../hub';
import type { InFlight } from './in-flight';

/**
 * A clean stop, on SIGTERM or SIGINT (server.js bounds how long it may take):
 *  1. the listening socket closes, so a new connection is refused and a proxy, Service or client goes to
 *     another hub; idle keep-alive connections close too, so none slips one more request in;
 *  2. the hub stops (hub.ts): readiness answers 503, the realtime layer drops every socket without a
 *     Socket.IO disconnect packet, so volunteers reconnect by themselves (to another hub, behind a proxy),
 *     and each session's leases go back to the queue at once through the scheduler's releaseSessionLeases;
 *     meanwhile the requests already being answered finish;
 *  3. the database closes last.
 */
export async function stopServing(server: HttpServer, hub: Hub, requests: InFlight): Promise<void> {
	server.close();
	server.closeIdleConnections();
	await hub.stop(() => requests.settled());
}
