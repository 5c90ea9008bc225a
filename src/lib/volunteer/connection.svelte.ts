/**
 * The tab's connection to the hub, as the page shows it, and what keeps it honest: the browser's word on
 * the network, a reconnect as soon as the network returns, and a disconnect when the page is frozen or
 * put away (so the hub releases its leases now, not at their expiry). The work loop drives the socket.
 */
import { io } from 'socket.io-client';
import { VOLUNTEER_NAMESPACE } from '$lib/protocol/events';
import type { ConnectionState } from './work-loop';
import type { VolunteerSocket } from './volunteer-socket';

export class HubConnection {
	#state = $state<ConnectionState | 'starting'>('starting');
	#online = $state(true);
	#askedSinceConnect = $state(false);
	#socket: VolunteerSocket | null = null;
	/** Removes the window listeners on close: a page navigated away from must not reconnect a closed socket. */
	private readonly listeners = new AbortController();

	get state() {
		return this.#state;
	}

	/** The browser's own word on the network (navigator.onLine). */
	get online() {
		return this.#online;
	}

	/** Whether this connection has asked the hub for work yet (and so holds whatever the hub had for it). */
	get askedSinceConnect() {
		return this.#askedSinceConnect;
	}

	/** Follows the network and the page's lifecycle from now on. */
	watch() {
		const { signal } = this.listeners;
		this.#online = navigator.onLine;
		addEventListener('offline', () => (this.#online = false), { signal });
		addEventListener(
			'online',
			() => {
				this.#online = true;
				if (this.#socket && !this.#socket.connected) this.#socket.disconnect().connect();
			},
			{ signal }
		);
		// A frozen or hidden-away page (bfcache, a discarded tab) computes nothing more: drop the connection so
		// the hub releases its leases now rather than at their expiry, and come back when the page does.
		const leave = () => this.#socket?.disconnect();
		const back = () => this.#socket && !this.#socket.connected && this.#socket.connect();
		addEventListener('pagehide', leave, { signal });
		document.addEventListener('freeze', leave, { signal });
		addEventListener('pageshow', (e: PageTransitionEvent) => e.persisted && back(), { signal });
		document.addEventListener('resume', back, { signal });
	}

	/** The socket to the hub, not yet connected: the work loop connects it once it listens. */
	open(): VolunteerSocket {
		const socket: VolunteerSocket = io(VOLUNTEER_NAMESPACE, { transports: ['websocket'], autoConnect: false });
		socket.on('connect_error', () => {
			if (this.#state !== 'connected') this.#state = 'offline';
		});
		return (this.#socket = socket);
	}

	/** The work loop's word on the connection. */
	changed(state: ConnectionState) {
		this.#state = state;
		if (state !== 'connected') this.#askedSinceConnect = false;
	}

	/** The hub answered a request for work on this connection. */
	asked() {
		this.#askedSinceConnect = true;
	}

	close() {
		this.listeners.abort();
		this.#socket?.close();
	}
}
