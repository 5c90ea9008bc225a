import { io, type Socket } from 'socket.io-client';
import { DASHBOARD_NAMESPACE, type DashboardClientToServer, type DashboardServerToClient } from '$lib/protocol/events';

export type DashboardSocket = Socket<DashboardServerToClient, DashboardClientToServer>;

/** A connection to the hub's /dashboard namespace; `subscribe` runs on every (re)connect, so a page resumes after a hub restart. */
export function dashboardSocket(subscribe: (socket: DashboardSocket) => void): DashboardSocket {
	const socket: DashboardSocket = io(DASHBOARD_NAMESPACE, { transports: ['websocket'] });
	socket.on('connect', () => subscribe(socket));
	return socket;
}
