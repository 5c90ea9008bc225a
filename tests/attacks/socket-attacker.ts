/**
 * What a Socket.IO attacker uses: raw WebSockets speaking Engine.IO/Socket.IO text frames by hand (so
 * nothing in a client library stops what it sends), socket.io-client connections presenting any `auth`,
 * and the hub process's memory as Linux reports it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import { nodeCapabilities } from '../../src/lib/headless/headless-volunteer';

/** A handshake a well-behaved volunteer would present. */
export const honestAuth = (identity: string | null = null) => ({
	identity,
	capabilities: nodeCapabilities(),
	mode: 'always',
	readiness: { score: 90, ready: true }
});

export interface RawSocket {
	ws: WebSocket;
	/** Text frames received so far (Engine.IO pings answered). */
	frames: string[];
	closed: Promise<number>;
	send(frame: string): void;
}

/** An Engine.IO WebSocket connection, opened (its `0{…}` open packet received), speaking raw frames. */
export async function rawSocket(url: string): Promise<RawSocket> {
	const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
	const frames: string[] = [];
	const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
	ws.on('error', () => {});
	ws.on('message', (data) => {
		const frame = data.toString();
		if (frame === '2') ws.send('3');
		else frames.push(frame);
	});
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	await until(() => frames.some((f) => f.startsWith('0')));
	return { ws, frames, closed, send: (frame) => ws.send(frame) };
}

/** A socket.io-client connection to `namespace` presenting `auth`, never reconnecting by itself. */
export function client(url: string, namespace: string, auth?: object, extraHeaders?: Record<string, string>): Socket {
	return io(`${url}${namespace}`, { transports: ['websocket'], forceNew: true, reconnection: false, auth, extraHeaders });
}

export interface Outcome {
	welcome?: { volunteerId: string; identity: string };
	refusal?: { code: string; retryAfterMs?: number; pow?: { challenge: string; bits: number } };
	message?: string;
}

/** How the hub answered a volunteer handshake: its welcome, or its refusal's data. */
export function outcome(socket: Socket, ms = 10_000): Promise<Outcome> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('neither welcome nor refusal')), ms);
		socket.once('welcome', (welcome) => {
			clearTimeout(timer);
			resolve({ welcome });
		});
		socket.once('connect_error', (err: Error & { data?: Outcome['refusal'] }) => {
			clearTimeout(timer);
			resolve({ refusal: err.data, message: err.message });
		});
	});
}

export async function until(check: () => boolean, ms = 5000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 10));
	}
}

/** How much a process's peak resident memory rose, in MB, while `attack` ran (Linux /proc). */
export async function peakGrowthMb(pid: number, attack: () => Promise<unknown>): Promise<number> {
	const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
	writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
	const before = kb('VmRSS');
	await attack();
	return (kb('VmHWM') - before) / 1024;
}
