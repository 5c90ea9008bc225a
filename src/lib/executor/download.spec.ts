import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { download, HttpError } from './download';

const FILE = randomBytes(300_000);

/** A real HTTP server; each test decides how it answers the n-th request. */
async function serve(
	handler: (req: IncomingMessage, res: ServerResponse, n: number) => void
): Promise<{ url: string; server: Server; requests: IncomingMessage[] }> {
	const requests: IncomingMessage[] = [];
	const server = createServer((req, res) => {
		requests.push(req);
		handler(req, res, requests.length);
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as { port: number };
	return { url: `http://127.0.0.1:${port}/blob`, server, requests };
}

/** Answers Range like /blobs does; `cut` bytes into the body, the first response drops the connection. */
function rangeServer(cut?: number) {
	return (req: IncomingMessage, res: ServerResponse, n: number) => {
		const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
		const start = m ? Number(m[1]) : 0;
		res.writeHead(m ? 206 : 200, {
			'content-length': FILE.length - start,
			...(m ? { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` } : {})
		});
		if (n === 1 && cut !== undefined) {
			res.write(FILE.subarray(0, cut), () => res.destroy());
			return;
		}
		res.end(FILE.subarray(start));
	};
}

let server: Server | undefined;
afterEach(() => {
	server?.closeAllConnections();
	server?.close();
	server = undefined;
});

describe('download', () => {
	it('streams the whole file and reports progress up to its size', async () => {
		const s = await serve(rangeServer());
		server = s.server;
		const progress: number[] = [];
		const bytes = await download(s.url, FILE.length, { onProgress: (received) => progress.push(received) });
		expect(Buffer.from(bytes).equals(FILE)).toBe(true);
		expect(progress.at(-1)).toBe(FILE.length);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		expect(s.requests).toHaveLength(1);
	});

	it('resumes a dropped transfer with a Range request for the rest', async () => {
		const s = await serve(rangeServer(100_000));
		server = s.server;
		const bytes = await download(s.url, FILE.length, { retryDelayMs: 10 });
		expect(Buffer.from(bytes).equals(FILE)).toBe(true);
		expect(s.requests).toHaveLength(2);
		expect(s.requests[0].headers.range).toBeUndefined();
		const resumedAt = Number(/bytes=(\d+)-/.exec(s.requests[1].headers.range ?? '')?.[1]);
		expect(resumedAt).toBeGreaterThan(0);
		expect(resumedAt).toBeLessThanOrEqual(100_000);
	});

	it('starts over when the server ignores Range', async () => {
		const s = await serve((req, res, n) => {
			res.writeHead(200, { 'content-length': FILE.length });
			if (n === 1) res.write(FILE.subarray(0, 50_000), () => res.destroy());
			else res.end(FILE);
		});
		server = s.server;
		const bytes = await download(s.url, FILE.length, { retryDelayMs: 10 });
		expect(Buffer.from(bytes).equals(FILE)).toBe(true);
		expect(s.requests[1].headers.range).toBe('bytes=50000-');
	});

	it('does not retry a 404, and refuses a body larger than expected', async () => {
		const s = await serve((req, res) => {
			if (req.url === '/missing') res.writeHead(404).end();
			else res.writeHead(200).end(FILE);
		});
		server = s.server;
		await expect(download(s.url.replace('/blob', '/missing'), 10, { retryDelayMs: 10 })).rejects.toBeInstanceOf(HttpError);
		expect(s.requests).toHaveLength(1);
		await expect(download(s.url, FILE.length - 1, { retryDelayMs: 10 })).rejects.toThrow(/larger than/);
	});

	it('gives up after the attempts it was allowed', async () => {
		const s = await serve((req, res) => res.writeHead(503).end());
		server = s.server;
		await expect(download(s.url, 10, { attempts: 3, retryDelayMs: 5 })).rejects.toThrow(/HTTP 503/);
		expect(s.requests).toHaveLength(3);
	});
});
