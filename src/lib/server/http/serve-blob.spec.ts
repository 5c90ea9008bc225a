import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRange, serveBlob } from './serve-blob';

describe('parseRange', () => {
	const SIZE = 1000;

	it('answers the whole file when there is no Range header', () => {
		expect(parseRange(null, SIZE)).toBeNull();
		expect(parseRange('', SIZE)).toBeNull();
	});

	it('reads a closed range, inclusive at both ends', () => {
		expect(parseRange('bytes=0-99', SIZE)).toEqual([0, 99]);
		expect(parseRange('bytes=0-0', SIZE)).toEqual([0, 0]);
		expect(parseRange('bytes=999-999', SIZE)).toEqual([999, 999]);
		expect(parseRange('bytes=10-20', SIZE)).toEqual([10, 20]);
		expect(parseRange('  bytes=5-6  ', SIZE)).toEqual([5, 6]);
	});

	it('clamps an end past the last byte to the last byte', () => {
		expect(parseRange('bytes=0-1000', SIZE)).toEqual([0, 999]);
		expect(parseRange('bytes=900-5000', SIZE)).toEqual([900, 999]);
		expect(parseRange('bytes=0-99999999999999999999999', SIZE)).toEqual([0, 999]);
	});

	it('reads an open range to the end of the file', () => {
		expect(parseRange('bytes=500-', SIZE)).toEqual([500, 999]);
		expect(parseRange('bytes=0-', SIZE)).toEqual([0, 999]);
		expect(parseRange('bytes=999-', SIZE)).toEqual([999, 999]);
	});

	it('reads a suffix range as the last n bytes, the whole file when n exceeds it', () => {
		expect(parseRange('bytes=-10', SIZE)).toEqual([990, 999]);
		expect(parseRange('bytes=-1', SIZE)).toEqual([999, 999]);
		expect(parseRange('bytes=-1000', SIZE)).toEqual([0, 999]);
		expect(parseRange('bytes=-5000', SIZE)).toEqual([0, 999]);
	});

	it('calls a range starting at or past the end unsatisfiable', () => {
		expect(parseRange('bytes=1000-', SIZE)).toBe('unsatisfiable');
		expect(parseRange('bytes=1000-1001', SIZE)).toBe('unsatisfiable');
		expect(parseRange('bytes=123456-', SIZE)).toBe('unsatisfiable');
	});

	it('calls a zero-length suffix and a backwards range unsatisfiable', () => {
		// RFC 9110 §14.1.3: a suffix-length of 0 selects nothing.
		expect(parseRange('bytes=-0', SIZE)).toBe('unsatisfiable');
		expect(parseRange('bytes=20-10', SIZE)).toBe('unsatisfiable');
	});

	it('finds nothing satisfiable in an empty file', () => {
		expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
		expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
		expect(parseRange('bytes=-5', 0)).toBe('unsatisfiable');
		expect(parseRange(null, 0)).toBeNull();
	});

	it('ignores what it does not understand, answering the whole file as RFC 9110 allows', () => {
		for (const header of [
			'bytes=-',
			'bytes=',
			'bytes=0-1,5-6',
			'bytes=0-1, 3-4',
			'items=0-5',
			'bytes=abc-def',
			'bytes=1e3-',
			'bytes=-1-2',
			'bytes=0x10-0x20',
			'bytes 0-5',
			'bytes = 0-5',
			'0-5'
		]) {
			expect(parseRange(header, SIZE), header).toBeNull();
		}
	});

	it('serves a one-byte file', () => {
		expect(parseRange('bytes=0-', 1)).toEqual([0, 0]);
		expect(parseRange('bytes=-1', 1)).toEqual([0, 0]);
		expect(parseRange('bytes=-2', 1)).toEqual([0, 0]);
		expect(parseRange('bytes=1-', 1)).toBe('unsatisfiable');
	});
});

describe('serveBlob', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'exostack-blob-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
	const sha = createHash('sha256').update(bytes).digest('hex');
	const file = path.join(dir, sha);
	writeFileSync(file, bytes);
	const get = (headers: Record<string, string> = {}, target = file) =>
		serveBlob(target, sha, new Request('http://hub/blobs/x', { headers }));

	it('serves the bytes with immutable caching and the digest as ETag', async () => {
		const res = await get();
		expect(res.status).toBe(200);
		expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
		expect(res.headers.get('etag')).toBe(`"${sha}"`);
		expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
		expect(res.headers.get('accept-ranges')).toBe('bytes');
		expect(res.headers.get('content-length')).toBe('300');
		expect(res.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`);
	});

	it('answers 304 when the ETag matches, among several', async () => {
		expect((await get({ 'if-none-match': `"${sha}"` })).status).toBe(304);
		expect((await get({ 'if-none-match': `"other", "${sha}"` })).status).toBe(304);
		expect((await get({ 'if-none-match': '"other"' })).status).toBe(200);
	});

	it('answers 206 with the slice and Content-Range, and 416 with the size', async () => {
		const part = await get({ range: 'bytes=10-19' });
		expect(part.status).toBe(206);
		expect(part.headers.get('content-range')).toBe('bytes 10-19/300');
		expect(part.headers.get('content-length')).toBe('10');
		expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20));

		const tail = await get({ range: 'bytes=-3' });
		expect(tail.headers.get('content-range')).toBe('bytes 297-299/300');
		expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(297));

		const none = await get({ range: 'bytes=300-' });
		expect(none.status).toBe(416);
		expect(none.headers.get('content-range')).toBe('bytes */300');
	});

	it('serves an empty file and answers 404 JSON for a missing one', async () => {
		const empty = path.join(dir, 'empty');
		writeFileSync(empty, '');
		const res = await get({}, empty);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-length')).toBe('0');
		expect((await res.arrayBuffer()).byteLength).toBe(0);
		expect((await get({ range: 'bytes=0-' }, empty)).status).toBe(416);

		const missing = await get({}, path.join(dir, 'missing'));
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ error: `no file with sha256 ${sha}` });
		// A directory is not a blob.
		expect((await get({}, dir)).status).toBe(404);
	});
});
