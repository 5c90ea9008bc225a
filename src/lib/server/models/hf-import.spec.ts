import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../db/testing';
import type { Database } from '../db';
import { BlobStore } from './blob-store';
import { buildGpt2Folder } from '../../demo-models/gpt2-folder';
import { buildModelFolder } from '../../demo-models/write-model-folder';
import { startHfTestServer, type HfTestServer } from './hf-test-server';
import { importHfRepo } from './import-model';
import { getModel } from './model-queries';

describe('import by Hugging Face repository id', () => {
	let server: HfTestServer;
	let database: Database;
	let blobs: BlobStore;
	let scratch: string;
	const gpt2 = buildGpt2Folder({ variants: ['q8'] });

	beforeAll(async () => {
		server = await startHfTestServer({ 'acme/tiny-gpt2': gpt2, 'acme/minilm': buildModelFolder({ layout: 'sentence-transformers' }) });
		database = await openTestDatabase('pglite');
		const root = mkdtempSync(path.join(tmpdir(), 'hf-import-'));
		blobs = new BlobStore(path.join(root, 'blobs'));
		scratch = path.join(root, 'imports');
	});
	afterAll(async () => {
		await server.close();
		await database.close();
	});

	const hub = (over: Partial<{ maxBytes: number }> = {}) => ({ endpoint: server.url, token: null, maxBytes: 1e9, ...over });

	it('downloads, verifies and stores a repository in the HF layout, following the storage redirect, then cleans up', async () => {
		const manifest = await importHfRepo(database.db, blobs, 'acme/tiny-gpt2', { scratchDir: scratch, hub: hub() });
		expect(manifest.id).toBe('acme/tiny-gpt2');
		expect(manifest.taskTypes).toEqual(['text_generation']);
		expect(manifest.files.map((f) => f.path).sort()).toEqual([...gpt2.keys()].sort());
		for (const f of manifest.files) expect(await blobs.has(f.sha256)).toBe(true);
		expect((await getModel(database.db, 'acme/tiny-gpt2'))?.files).toHaveLength(gpt2.size);
		// Large files came through the storage redirect; files the import does not read were never fetched.
		expect(server.requests.filter((r) => r.startsWith('/lfs/'))).toHaveLength(2);
		expect(server.requests.some((r) => r.endsWith('README.md'))).toBe(false);
		expect(await readdir(scratch)).toEqual([]);
		const named = await importHfRepo(database.db, blobs, 'acme/minilm', { id: 'minilm-copy', scratchDir: scratch, hub: hub() });
		expect(named.embedding?.pooling).toBe('mean');
	});

	it('refuses a file whose bytes do not match what the hub publishes, large or small, and stores nothing', async () => {
		server.tamper('acme/tiny-gpt2', 'onnx/model_quantized.onnx');
		await expect(importHfRepo(database.db, blobs, 'acme/tiny-gpt2', { id: 'bad-1', scratchDir: scratch, hub: hub() })).rejects.toThrow(
			/onnx\/model_quantized.onnx failed verification: sha256/
		);
		server.tamper('acme/minilm', 'tokenizer.json');
		await expect(importHfRepo(database.db, blobs, 'acme/minilm', { id: 'bad-2', scratchDir: scratch, hub: hub() })).rejects.toThrow(
			/tokenizer.json failed verification against its git blob id/
		);
		expect(await getModel(database.db, 'bad-1')).toBeNull();
		expect(await readdir(scratch)).toEqual([]);
	});

	it('names a missing repository, a bad id, an unreachable hub and the size limit', async () => {
		await expect(importHfRepo(database.db, blobs, 'acme/nope', { scratchDir: scratch, hub: hub() })).rejects.toThrow(
			/acme\/nope@main was not found/
		);
		await expect(importHfRepo(database.db, blobs, '../etc', { scratchDir: scratch, hub: hub() })).rejects.toThrow(
			/not a Hugging Face repository id/
		);
		await expect(
			importHfRepo(database.db, blobs, 'acme/minilm', { scratchDir: scratch, hub: { ...hub(), endpoint: 'http://127.0.0.1:1' } })
		).rejects.toThrow(/cannot reach/);
		await expect(importHfRepo(database.db, blobs, 'acme/minilm', { scratchDir: scratch, hub: hub({ maxBytes: 1000 }) })).rejects.toThrow(
			/over the import limit/
		);
	});
});
