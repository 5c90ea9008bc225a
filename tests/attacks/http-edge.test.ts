/**
 * Attacks on the hub's HTTP edge by someone who has only its URL: a URL that throws, connections that
 * send their request slowly or never, a pile of connections from one address, bodies the hub refuses
 * before reading them, and a DNS-rebinding name in Host and Origin. After each, the hub still runs and
 * everyone else is still served.
 */
import { io } from 'socket.io-client';
import { honestAuth } from './socket-attacker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubProcess, type HubProcess } from '../harness/hub-process';
import { closedWithin, connect, healthLatency, rawExchange, rawGet, sleep } from './http-attacker';

const HEADERS_S = 2;
const REQUEST_S = 4;
const KEEPALIVE_S = 1;
const PER_ADDRESS = 16;

let hub: HubProcess;

beforeAll(async () => {
	hub = await startHubProcess({
		env: {
			HOST: '0.0.0.0',
			EXOSTACK_DEMO_MODELS: 'off',
			EXOSTACK_HEADERS_TIMEOUT_SECONDS: String(HEADERS_S),
			EXOSTACK_REQUEST_TIMEOUT_SECONDS: String(REQUEST_S),
			EXOSTACK_KEEPALIVE_TIMEOUT_SECONDS: String(KEEPALIVE_S),
			EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
			EXOSTACK_PUBLIC_URL: 'https://hub.example.org',
			EXOSTACK_ALLOWED_ORIGINS: 'https://volunteers.example.com'
		}
	});
});
afterAll(() => hub?.stop());

const alive = async () => {
	expect(hub.child.exitCode, hub.logs()).toBeNull();
	expect((await fetch(`${hub.url}/api/health`)).status).toBe(200);
};

describe('a request that throws', () => {
	it('answers malformed URLs with 400, the precompressed-asset path included, and keeps running', async () => {
		for (const target of ['/_app/immutable/%', '/_app/immutable/chunks/%E0%A4%A.js', '/%', '/api/jobs/%zz', '/blobs/%']) {
			const reply = await rawGet(hub.port, target, { 'accept-encoding': 'br, gzip' });
			expect(reply.status, `${target}: ${reply.error}`).toBe(400);
		}
		await alive();
	});
});

describe('slow and idle connections', () => {
	it('closes a connection that sends nothing, or its headers a line at a time (EXOSTACK_HEADERS_TIMEOUT_SECONDS)', async () => {
		const silent = await connect(hub.port, '127.0.1.1');
		const dripping = await connect(hub.port, '127.0.1.2');
		dripping.write('GET /api/health HTTP/1.1\r\n');
		const drip = setInterval(() => dripping.write('x-slow: 1\r\n'), 300);
		try {
			const [a, b] = await Promise.all([closedWithin(silent, 15_000), closedWithin(dripping, 15_000)]);
			// Node checks the deadline once a second here (connectionsCheckingInterval): allow that and some load.
			expect(a).not.toBeNull();
			expect(b).not.toBeNull();
			expect(Math.max(a!, b!)).toBeLessThan((HEADERS_S + 3) * 1000);
		} finally {
			clearInterval(drip);
		}
		await alive();
	});

	it('closes a request whose body trickles in (EXOSTACK_REQUEST_TIMEOUT_SECONDS)', async () => {
		const s = await connect(hub.port, '127.0.1.3');
		s.write(
			`POST /api/jobs HTTP/1.1\r\nhost: 127.0.0.1:${hub.port}\r\nauthorization: Bearer ${hub.token}\r\n` +
				'content-type: application/json\r\ncontent-length: 100000\r\n\r\n{'
		);
		const drip = setInterval(() => s.write(' '), 300);
		try {
			const after = await closedWithin(s, 20_000);
			expect(after).not.toBeNull();
			expect(after!).toBeLessThan((REQUEST_S + 3) * 1000);
		} finally {
			clearInterval(drip);
		}
		await alive();
	});

	it('closes an idle keep-alive connection (EXOSTACK_KEEPALIVE_TIMEOUT_SECONDS)', async () => {
		const s = await connect(hub.port, '127.0.1.4');
		s.write(`GET /api/health HTTP/1.1\r\nhost: 127.0.0.1:${hub.port}\r\n\r\n`);
		await new Promise((r) => s.once('data', r));
		const after = await closedWithin(s, 10_000);
		expect(after).not.toBeNull();
		expect(after!).toBeLessThan(KEEPALIVE_S * 1000 + 1500);
	});

	it('leaves a volunteer’s WebSocket open past those deadlines: it is no longer an HTTP request', async () => {
		const socket = io(`${hub.url}/volunteer`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: honestAuth() });
		try {
			await new Promise((resolve, reject) => socket.once('welcome', resolve as () => void).once('connect_error', reject));
			await sleep((REQUEST_S + 2) * 1000);
			expect(socket.connected).toBe(true);
		} finally {
			socket.close();
		}
	});
});

describe('many connections from one address', () => {
	it('refuses connections past EXOSTACK_MAX_CONNECTIONS_PER_ADDRESS while other addresses are served', async () => {
		const held = await Promise.all(Array.from({ length: PER_ADDRESS }, () => connect(hub.port, '127.0.2.1')));
		// Each of these half-sends a request, as a slowloris does, so none is idle.
		for (const s of held) s.write('GET /api/health HTTP/1.1\r\n');
		const extra = await Promise.all(Array.from({ length: 50 }, () => connect(hub.port, '127.0.2.1').catch(() => null)));
		const refused = await Promise.all(extra.map((s) => (s ? closedWithin(s, 1000) : 0)));
		expect(refused.filter((t) => t === null)).toHaveLength(0);
		// The ones it held are still open (the cap refused the newcomers, not them), and others get answers at once.
		expect(held.filter((s) => s.destroyed)).toHaveLength(0);
		expect(await healthLatency(hub.port, '127.0.2.2')).toBeLessThan(1000);
		// A refused client is told why, when it listens.
		const told = await rawGet(hub.port, '/api/health', {}, '127.0.2.1');
		expect(told.status).toBe(503);
		for (const s of held) s.destroy();
		await sleep(200);
		expect((await rawGet(hub.port, '/api/health', {}, '127.0.2.1')).status).toBe(200);
	});
});

describe('bodies the hub refuses before reading them', () => {
	const post = (body: BodyInit, token: string, init: RequestInit = {}) =>
		fetch(`${hub.url}/api/jobs`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body,
			...init
		});

	async function expectJsonError(res: Promise<Response>, status: number, message: RegExp) {
		const r = await res;
		expect(r.status).toBe(status);
		expect(((await r.json()) as { error: string }).error).toMatch(message);
	}

	it('answers every refused request on a pooled connection with its JSON error, never a reset', async () => {
		const submission = JSON.stringify({ task_type: 'embedding', model: 'x', input: ['a'.repeat(2_000_000)] });
		for (let i = 0; i < 6; i++) await expectJsonError(post(submission, 'exo_wrong_token_0123456789abcdef'), 401, /invalid API token/);
		const huge = 'x'.repeat(20 * 1024 * 1024);
		for (let i = 0; i < 4; i++) await expectJsonError(post(huge, hub.token), 413, /larger than/);
		// Streamed with no Content-Length: refused while it is still arriving.
		const chunk = new Uint8Array(64 * 1024).fill(0x20);
		let sent = 0;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent >= 20 * 1024 * 1024) return controller.close();
				sent += chunk.byteLength;
				controller.enqueue(chunk);
			}
		});
		await expectJsonError(post(stream, hub.token, { duplex: 'half' } as RequestInit), 413, /larger than/);
		await expectJsonError(post(submission, 'exo_wrong_token_0123456789abcdef'), 401, /invalid API token/);
		await alive();
	});
});

describe('DNS rebinding', () => {
	const REBOUND = 'rebound.attacker.example';

	it('refuses a request whose Host is a name the hub does not answer to', async () => {
		for (const host of [`${REBOUND}:${hub.port}`, REBOUND]) {
			const reply = await rawGet(hub.port, '/api/models', { host });
			expect(reply.status, host).toBe(421);
			expect(JSON.parse(reply.body).error).toMatch(/host/);
		}
		// Its own names and addresses, and the public URL a proxy forwards, are answered.
		for (const host of [
			`127.0.0.1:${hub.port}`,
			`localhost:${hub.port}`,
			`[::1]:${hub.port}`,
			`127.0.0.2:${hub.port}`,
			'hub.example.org'
		]) {
			expect((await rawGet(hub.port, '/api/models', { host })).status, host).toBe(200);
		}
	});

	/** An Engine.IO handshake, as a browser page on `origin` would open it through `host`. */
	const handshake = (host: string, origin: string) => rawGet(hub.port, '/socket.io/?EIO=4&transport=polling', { host, origin });

	it('refuses a socket opened by a page on the rebound name, and lets the hub’s own pages and allowed origins through', async () => {
		const rebound = await handshake(`${REBOUND}:${hub.port}`, `http://${REBOUND}:${hub.port}`);
		expect(rebound.status).not.toBe(200);
		expect(rebound.body).not.toMatch(/"sid"/);
		expect((await handshake(`127.0.0.1:${hub.port}`, 'http://evil.example')).status).not.toBe(200);
		for (const [host, origin] of [
			[`127.0.0.1:${hub.port}`, `http://127.0.0.1:${hub.port}`],
			[`localhost:${hub.port}`, `http://localhost:${hub.port}`],
			['hub.example.org', 'https://hub.example.org'],
			[`127.0.0.1:${hub.port}`, 'https://volunteers.example.com']
		]) {
			const own = await handshake(host, origin);
			expect(own.status, `${host} ${origin}`).toBe(200);
			expect(own.body).toMatch(/"sid"/);
		}
	});

	it('does not open a socket through a rebound Host either, even from a client that sends no Origin', async () => {
		const reply = await rawExchange(
			hub.port,
			`GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nhost: ${REBOUND}:${hub.port}\r\nconnection: close\r\n\r\n`
		);
		expect(reply.status).not.toBe(200);
	});
});
