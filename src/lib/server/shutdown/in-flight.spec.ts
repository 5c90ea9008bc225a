import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trackInFlight } from './in-flight';

const servers: http.Server[] = [];
afterEach(async () => {
	for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

/** A real server whose responses wait until the test releases them. */
async function heldServer() {
	const held: (() => void)[] = [];
	const server = http.createServer((_req, res) => held.push(() => res.end('done')));
	servers.push(server);
	const inFlight = trackInFlight(server);
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
	const until = async (count: number) => {
		while (inFlight.count !== count) await new Promise((r) => setTimeout(r, 5));
	};
	return { inFlight, url, held, until };
}

describe('trackInFlight', () => {
	it('settles at once when nothing is being answered', async () => {
		const { inFlight } = await heldServer();
		expect(inFlight.count).toBe(0);
		await expect(inFlight.settled()).resolves.toBeUndefined();
	});

	it('settles only once every request being answered has its response', async () => {
		const { inFlight, url, held, until } = await heldServer();
		const answers = [fetch(url).then((r) => r.text()), fetch(url).then((r) => r.text())];
		await until(2);
		let settled = false;
		const waiting = inFlight.settled().then(() => (settled = true));
		held.shift()!();
		expect(await answers[0]).toBe('done');
		await until(1);
		expect(settled).toBe(false);
		held.shift()!();
		await waiting;
		expect(await answers[1]).toBe('done');
		expect(inFlight.count).toBe(0);
	});

	it('counts a request whose client went away as ended', async () => {
		const { inFlight, url, until } = await heldServer();
		const gone = new AbortController();
		const request = fetch(url, { signal: gone.signal }).catch(() => 'aborted');
		await until(1);
		gone.abort();
		expect(await request).toBe('aborted');
		await inFlight.settled();
		expect(inFlight.count).toBe(0);
	});
});
