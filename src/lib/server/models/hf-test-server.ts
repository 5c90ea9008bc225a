/**
 * A local stand-in for the Hugging Face hub, for tests: serves model folders in its layout, with its
 * integrity headers and its redirect of large files to separate storage. No mock of our code: the
 * importer talks real HTTP to it exactly as it would to huggingface.co.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ModelFolder } from '../../demo-models/write-model-folder';

export interface HfTestServer {
	url: string;
	/** Requests seen, as paths, for asserting what was fetched. */
	requests: string[];
	/** Serves other bytes than it advertises for this repo file (to test verification). */
	tamper(repo: string, file: string): void;
	close(): Promise<void>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');
const isLfs = (file: string) => file.endsWith('.onnx');

export async function startHfTestServer(repos: Record<string, ModelFolder>): Promise<HfTestServer> {
	const tampered = new Set<string>();
	const requests: string[] = [];
	const lfs = new Map<string, Uint8Array>();
	for (const folder of Object.values(repos)) for (const [file, bytes] of folder) if (isLfs(file)) lfs.set(sha256(bytes), bytes);
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://x');
		requests.push(url.pathname);
		const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/main$/.exec(url.pathname);
		if (listing) {
			const folder = repos[listing[1]];
			if (!folder) return void res.writeHead(404).end('{"error":"Repository not found"}');
			const siblings = [...folder].map(([rfilename, b]) => ({
				rfilename,
				size: b.byteLength,
				...(isLfs(rfilename) ? { lfs: { sha256: sha256(b), size: b.byteLength } } : {})
			}));
			siblings.push({ rfilename: 'README.md', size: 10 });
			return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: listing[1], siblings }));
		}
		const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
		const bytes = resolve ? repos[resolve[1]]?.get(resolve[2]) : undefined;
		if (resolve && bytes) {
			if (isLfs(resolve[2])) {
				const digest = sha256(bytes);
				const location = tampered.has(`${resolve[1]}/${resolve[2]}`) ? `/lfs/tampered-${digest}` : `/lfs/${digest}`;
				return void res
					.writeHead(302, {
						location,
						'x-linked-etag': `"${digest}"`,
						'x-linked-size': String(bytes.byteLength),
						etag: `"${gitSha1(bytes)}"`
					})
					.end();
			}
			const body = tampered.has(`${resolve[1]}/${resolve[2]}`) ? Buffer.concat([bytes, Buffer.from(' ')]) : bytes;
			return void res.writeHead(200, { etag: `"${gitSha1(bytes)}"`, 'content-length': body.byteLength }).end(body);
		}
		const stored = /^\/lfs\/(tampered-)?([0-9a-f]{64})$/.exec(url.pathname);
		const blob = stored ? lfs.get(stored[2]) : undefined;
		if (blob) {
			const body = stored![1] ? Uint8Array.from(blob, (b, i) => (i === 100 ? b ^ 1 : b)) : blob;
			return void res.writeHead(200, { 'content-length': body.byteLength }).end(body);
		}
		res.writeHead(404).end('{"error":"Entry not found"}');
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
		requests,
		tamper: (repo, file) => tampered.add(`${repo}/${file}`),
		close: () => new Promise((r) => server.close(() => r()))
	};
}
