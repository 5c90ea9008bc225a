import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientGone, watchClients } from './client-gone';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A real server whose handler, like a /v1 route, reads the body whole, then watches its client's signal. */
async function serve(answerAfterMs: number | null) {
	const seen: { aborted: boolean }[] = [];
	server = http.createServer(
		watchClients(async (req, res) => {
			// Awaited, as SvelteKit reads it: the request's async context carries on past the body.
			for await (const _ of req);
			const signal = clientGone(new Request('http://hub.test/'));
			const record = { aborted: false };
			seen.push(record);
			signal.addEventListener('abort', () => (record.aborted = true));
			if (answerAfterMs !== null) setTimeout(() => res.end('done'), answerAfterMs);
		})
	);
	await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
	return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, seen };
}

describe('clientGone', () => {
	it('aborts when the client leaves after its body was read, before the answer', async () => {
		const { url, seen } = await serve(null);
		const abort = new AbortController();
		const pending = fetch(url, { method: 'POST', body: 'a body, read whole', signal: abort.signal }).catch((e: unknown) => e);
		await expect.poll(() => seen.length).toBe(1);
		expect(seen[0].aborted).toBe(false);
		abort.abort();
		await pending;
		await expect.poll(() => seen[0].aborted).toBe(true);
	});

	it('stays quiet for a client that got its answer', async () => {
		const { url, seen } = await serve(0);
		expect(await (await fetch(url, { method: 'POST', body: 'x' })).text()).toBe('done');
		// The response's close after its end is not a departure.
		await new Promise((r) => setImmediate(r));
		expect(seen.map((s) => s.aborted)).toEqual([false]);
	});

	it("is the request's own signal outside the hub's server", () => {
		const request = new Request('http://hub.test/');
		expect(clientGone(request)).toBe(request.signal);
	});
});
