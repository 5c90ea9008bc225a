import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { apiError } from './api';

/**
 * Serves one content-addressed file. The name is the content's sha256, so the response is cacheable
 * forever (immutable) and its ETag is the digest. Range requests (one range) let large model files
 * resume and download in parts.
 */
export async function serveBlob(file: string, sha256: string, request: Request): Promise<Response> {
	const info = await stat(file).catch(() => null);
	if (!info?.isFile()) return apiError(404, `no file with sha256 ${sha256}`);
	const etag = `"${sha256}"`;
	const headers = new Headers({
		'content-type': 'application/octet-stream',
		'cache-control': 'public, max-age=31536000, immutable',
		etag,
		'accept-ranges': 'bytes',
		'x-content-sha256': sha256,
		'repr-digest': `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`
	});
	if (
		request.headers
			.get('if-none-match')
			?.split(/\s*,\s*/)
			.includes(etag)
	)
		return new Response(null, { status: 304, headers });

	const range = parseRange(request.headers.get('range'), info.size);
	if (range === 'unsatisfiable') {
		headers.set('content-range', `bytes */${info.size}`);
		return new Response(null, { status: 416, headers });
	}
	const [start, end] = range ?? [0, info.size - 1];
	headers.set('content-length', String(info.size === 0 ? 0 : end - start + 1));
	if (range) headers.set('content-range', `bytes ${start}-${end}/${info.size}`);
	const body = info.size === 0 ? null : (Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream);
	return new Response(body, { status: range ? 206 : 200, headers });
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`. Several ranges are answered with the whole file, as RFC 9110 allows. */
export function parseRange(header: string | null, size: number): [number, number] | 'unsatisfiable' | null {
	if (!header) return null;
	const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!m || (m[1] === '' && m[2] === '')) return null;
	let start: number;
	let end: number;
	if (m[1] === '') {
		start = Math.max(0, size - Number(m[2]));
		end = size - 1;
	} else {
		start = Number(m[1]);
		end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
	}
	if (start >= size || start > end) return 'unsatisfiable';
	return [start, end];
}
