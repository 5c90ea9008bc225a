/**
 * Attacks on backups. Taking one: the archive holds the database (with the key that signs volunteer
 * identities) and the admin token, so nobody but the admin may ask a hub for it, and asking changes
 * nothing. Restoring one: an archive is a file from elsewhere, so a crafted one (`../` paths, absolute
 * paths, symlinks and hard links, files the manifest does not list or that are not what it says,
 * a manifest that lies) is refused, writes nothing outside the folder, and leaves the folder as it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { main } from '../../src/lib/cli/main';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BLOB = Buffer.from('model bytes');
const BLOB_SHA = sha256(BLOB);

interface Entry {
	name: string;
	body?: Buffer;
	type?: 'file' | 'symlink' | 'link' | 'directory';
	linkname?: string;
}

/** A gzipped tar of exactly these entries, in this order. */
async function archive(entries: Entry[]): Promise<Buffer> {
	return gzipSync(await tar(entries));
}

/** A plain tar of exactly these entries (PGlite's database dump is one, inside the archive). */
async function tar(entries: Entry[]): Promise<Buffer> {
	const p = pack();
	const chunks: Buffer[] = [];
	const done = (async () => {
		for await (const c of p) chunks.push(c as Buffer);
	})();
	for (const e of entries) {
		await new Promise<void>((resolve, reject) =>
			e.type && e.type !== 'file'
				? p.entry({ name: e.name, type: e.type, linkname: e.linkname }, (err) => (err ? reject(err) : resolve()))
				: p.entry({ name: e.name, size: e.body!.length }, e.body!, (err) => (err ? reject(err) : resolve()))
		);
	}
	p.finalize();
	await done;
	return Buffer.concat(chunks);
}

/** A pglite backup whose database dump holds `inner`, listed truthfully: only the dump's own contents are crafted. */
async function withDatabase(inner: Entry[]): Promise<Buffer> {
	const db = await tar(inner);
	return archive([manifest([listed('database/pglite.tar', db)], { database: 'pglite' }), { name: 'database/pglite.tar', body: db }]);
}

type Listed = { path: string; size: number; sha256: string };
const manifest = (files: Listed[], extra: Record<string, unknown> = {}): Entry => ({
	name: 'manifest.json',
	body: Buffer.from(
		JSON.stringify({ format: 'exostack-backup', version: 1, created_at: new Date().toISOString(), database: 'postgres', files, ...extra })
	)
});
const listed = (p: string, body: Buffer): Listed => ({ path: p, size: body.length, sha256: sha256(body) });

const root = mkdtempSync(path.join(tmpdir(), 'exostack-restore-attack-'));
let n = 0;

/** Restores `entries` with the real CLI into a fresh folder beside a canary; returns the error and what was left. */
async function restore(entries: Entry[] | Buffer) {
	const bytes = Buffer.isBuffer(entries) ? entries : await archive(entries);
	const dir = path.join(root, `case-${++n}`);
	mkdirSync(dir);
	const file = path.join(dir, 'backup.tar.gz');
	writeFileSync(file, bytes);
	const target = path.join(dir, 'nested', 'data');
	const io = { out: { write: () => true }, err: { write: () => true } };
	const error = await main(['restore', file, '--data-dir', target], io).then(
		() => null,
		(e: Error) => e.message
	);
	return { error, left: readdirSync(dir).sort(), targetExists: existsSync(target) };
}

describe('restoring a crafted archive', () => {
	it('restores a well-formed one (the cases below differ from it in one way each)', async () => {
		const r = await restore([manifest([listed(`blobs/${BLOB_SHA}`, BLOB)]), { name: `blobs/${BLOB_SHA}`, body: BLOB }]);
		expect(r.error).toBeNull();
		expect(r.targetExists).toBe(true);
	});

	const refusals: [string, () => Entry[] | Promise<Buffer> | Buffer, RegExp][] = [
		[
			'a ../ path the manifest lists',
			() => [manifest([listed('../escape', BLOB)]), { name: '../escape', body: BLOB }],
			/files\.0\.path: is not a path a backup holds/
		],
		[
			'a ../ path inside blobs/',
			() => [manifest([listed(`blobs/../${BLOB_SHA}`, BLOB)]), { name: `blobs/../${BLOB_SHA}`, body: BLOB }],
			/is not a path a backup holds/
		],
		[
			'an absolute path',
			() => [manifest([listed('/tmp/exostack-escape', BLOB)]), { name: '/tmp/exostack-escape', body: BLOB }],
			/is not a path a backup holds/
		],
		[
			'a ../ entry the manifest does not list',
			() => [manifest([]), { name: '../../escape', body: BLOB }],
			/"\.\.\/\.\.\/escape": not listed in the manifest/
		],
		[
			'a symlink in place of a listed blob',
			() => [manifest([listed(`blobs/${BLOB_SHA}`, BLOB)]), { name: `blobs/${BLOB_SHA}`, type: 'symlink', linkname: '/etc/passwd' }],
			/a symlink entry; a backup holds plain files only/
		],
		[
			'a hard link in place of a listed blob',
			() => [manifest([listed(`blobs/${BLOB_SHA}`, BLOB)]), { name: `blobs/${BLOB_SHA}`, type: 'link', linkname: '/etc/passwd' }],
			/a link entry; a backup holds plain files only/
		],
		['a directory entry', () => [manifest([]), { name: 'blobs/', type: 'directory' }], /a directory entry/],
		[
			'a blob whose bytes are not its name',
			() => [
				manifest([{ path: `blobs/${BLOB_SHA}`, size: 4, sha256: BLOB_SHA }]),
				{ name: `blobs/${BLOB_SHA}`, body: Buffer.from('evil') }
			],
			/its sha256 is not the manifest's/
		],
		[
			'a blob named for another sha256 than listed',
			() => [manifest([{ ...listed(`blobs/${'0'.repeat(64)}`, BLOB) }]), { name: `blobs/${'0'.repeat(64)}`, body: BLOB }],
			/is not named for its sha256/
		],
		[
			'a file longer than listed',
			() => [
				manifest([{ path: 'api-token', size: 3, sha256: sha256(Buffer.from('abc')) }]),
				{ name: 'api-token', body: Buffer.from('abcdef') }
			],
			/api-token: 6 bytes, the manifest lists 3/
		],
		[
			'a file listed twice',
			() => [manifest([listed('api-token', BLOB), listed('api-token', BLOB)]), { name: 'api-token', body: BLOB }],
			/api-token is listed twice/
		],
		[
			'a file sent twice',
			() => [manifest([listed('api-token', BLOB)]), { name: 'api-token', body: BLOB }, { name: 'api-token', body: BLOB }],
			/not listed in the manifest \(or listed once and seen twice\)/
		],
		[
			'a listed file missing',
			() => [manifest([listed('api-token', BLOB), listed(`blobs/${BLOB_SHA}`, BLOB)]), { name: 'api-token', body: BLOB }],
			/the archive ends before blobs\//
		],
		[
			'no manifest first',
			() => [{ name: `blobs/${BLOB_SHA}`, body: BLOB }, manifest([listed(`blobs/${BLOB_SHA}`, BLOB)])],
			/not an ExoStack backup: it does not begin with manifest\.json/
		],
		['a manifest of unknown keys', () => [manifest([], { run: 'rm -rf /' })], /manifest\.json: : Unrecognized key/],
		['a pglite backup without its database', () => [manifest([], { database: 'pglite' })], /a pglite backup lacks its database file/],
		[
			'a postgres backup with a database file',
			() => [manifest([listed('database/pglite.tar', BLOB)]), { name: 'database/pglite.tar', body: BLOB }],
			/a postgres backup holds no database file/
		],
		[
			'a database dump with a symlink out of the folder',
			() =>
				withDatabase([
					{ name: '/PG_VERSION', body: Buffer.from('17') },
					{ name: '/base', type: 'symlink', linkname: '/etc' }
				]),
			/database\/pglite\.tar: "\/base" is a symlink entry/
		],
		[
			'a database dump with a ../ entry',
			() =>
				withDatabase([
					{ name: '/PG_VERSION', body: Buffer.from('17') },
					{ name: '/../../escape', body: BLOB }
				]),
			/database\/pglite\.tar: "\/\.\.\/\.\.\/escape" is not a path inside the database folder/
		],
		[
			'a database dump that is not a tar',
			() =>
				withDatabase([]).then(() =>
					archive([manifest([listed('database/pglite.tar', BLOB)], { database: 'pglite' }), { name: 'database/pglite.tar', body: BLOB }])
				),
			/database\/pglite\.tar: not a tar/
		],
		[
			'a database dump of no database',
			() => withDatabase([{ name: '/base', type: 'directory' }]),
			/database\/pglite\.tar: not a PostgreSQL data folder \(no PG_VERSION\)/
		],
		['a manifest that is not JSON', () => [{ name: 'manifest.json', body: Buffer.from('{') }], /manifest\.json: not JSON/],
		['bytes that are not gzip', () => Buffer.from('not a backup at all'), /the archive cannot be read/],
		['an empty archive', () => archive([]), /the archive is empty/]
	];

	for (const [what, entries, message] of refusals)
		it(`refuses ${what}, leaving nothing behind`, async () => {
			const r = await restore(await entries());
			expect(r.error).toMatch(/^restore failed: /);
			expect(r.error).toMatch(message);
			// Only the archive and the (empty) parent the restore made; no target folder, nothing outside it.
			expect(r.targetExists).toBe(false);
			expect(existsSync(path.join(root, 'escape'))).toBe(false);
			expect(existsSync('/tmp/exostack-escape')).toBe(false);
		});

	it('refuses a folder that is not empty, touching nothing in it', async () => {
		const dir = path.join(root, 'occupied');
		mkdirSync(dir);
		writeFileSync(path.join(dir, 'api-token'), 'the hub’s own');
		const file = path.join(root, 'ok.tar.gz');
		writeFileSync(file, await archive([manifest([listed('api-token', BLOB)]), { name: 'api-token', body: BLOB }]));
		const io = { out: { write: () => true }, err: { write: () => true } };
		await expect(main(['restore', file, '--data-dir', dir], io)).rejects.toThrow(/is not empty: restore into a new folder/);
		expect(readdirSync(dir)).toEqual(['api-token']);
	});
});

describe('asking a hub for a backup', () => {
	let hub: HubProcess;
	let key: string;
	beforeAll(async () => {
		hub = await startHubProcess();
		key = (await (await api(hub, '/api/keys', { method: 'POST', json: { name: 'mallory' } })).json()).key;
	}, 120_000);
	afterAll(() => hub?.stop());

	const audited = async () =>
		((await (await api(hub, '/api/audit')).json()) as { action: string }[]).filter((e) => e.action === 'backup.created').length;

	it('refuses anyone but the admin, with a JSON error, and makes no backup', async () => {
		const post = (authorization?: string) =>
			fetch(`${hub.url}/api/backup`, { method: 'POST', headers: authorization ? { authorization } : {} });
		for (const [authorization, status] of [
			[undefined, 401],
			['Bearer wrong-token-0123456789', 401],
			[`Bearer ${key}`, 403],
			[`Basic ${Buffer.from(`admin:${hub.token}`).toString('base64')}`, 401]
		] as const) {
			const res = await post(authorization);
			expect(res.status, authorization).toBe(status);
			expect(res.headers.get('content-type')).toMatch(/^application\/json/);
			expect((await res.json()).error).toMatch(/API token|admin token/);
		}
		// Not by GET either (a link or an <img> could send one): only POST takes a backup.
		expect((await api(hub, '/api/backup')).status).toBe(405);
		expect(await audited()).toBe(0);
	});

	it('gives the admin an archive, and the CLI refuses to send the hub a key for it', async () => {
		const res = await api(hub, '/api/backup', { method: 'POST' });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('application/gzip');
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
		expect(await audited()).toBe(1);
		const io = { out: { write: () => true }, err: { write: () => true } };
		const file = path.join(root, 'as-key.tar.gz');
		await expect(main(['backup', file, '--hub', hub.url, '--token', key], io)).rejects.toThrow(
			/the hub refused: this needs the admin token/
		);
		expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
	});

	it('makes one backup at a time, each holding its database copy until sent, so an admin loop cannot pile them up', async () => {
		// The first is left unread: its archive (megabytes) waits on the socket, so it is still being sent.
		const first = await api(hub, '/api/backup', { method: 'POST' });
		expect(first.status).toBe(200);
		const second = await api(hub, '/api/backup', { method: 'POST' });
		expect(second.status).toBe(409);
		expect((await second.json()).error).toMatch(/a backup is already being made/);
		// Once the first is abandoned, the next is made.
		await first.body!.cancel();
		await expect
			.poll(async () => await api(hub, '/api/backup', { method: 'POST' }).then(async (r) => (await r.arrayBuffer(), r.status)), {
				timeout: 30_000,
				interval: 500
			})
			.toBe(200);
	});
});
