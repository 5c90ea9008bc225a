/** In real Chromium, whose navigator.storage the class reads. */
import { describe, expect, it } from 'vitest';
import { formatBytes, ModelStorage } from './model-storage.svelte';

const file = { path: 'onnx/model.onnx', sha256: 'ab'.repeat(32) };

describe('ModelStorage', () => {
	it('shows a download while it runs, and logs its start and its end', () => {
		const s = new ModelStorage();
		expect(s.record({ kind: 'download', ...file, received: 0, total: 2_000_000 })).toBe('downloading onnx/model.onnx (2.0 MB)');
		expect(s.download).toEqual({ path: 'onnx/model.onnx', received: 0, total: 2_000_000 });
		expect(s.record({ kind: 'download', ...file, received: 1_000_000, total: 2_000_000 })).toBeNull();
		expect(s.download?.received).toBe(1_000_000);
		s.record({ kind: 'download', ...file, received: 2_000_000, total: 2_000_000 });
		expect(s.download).toBeNull();
		expect(s.record({ kind: 'stored', ...file, size: 2_000_000 }, { bytes: 2_000_000, files: 1, budget: 10_000_000 })).toMatch(
			/downloaded, verified and cached \(2\.0 MB\)/
		);
		expect(s.cache).toEqual({ bytes: 2_000_000, files: 1, budget: 10_000_000 });
	});

	it('keeps the cache stats it last heard when an event brings none', () => {
		const s = new ModelStorage();
		expect(s.cache).toBeUndefined();
		s.record(null, null);
		expect(s.cache).toBeNull();
		expect(s.record({ kind: 'hit', ...file, size: 5 })).toBe('onnx/model.onnx: from the model cache, verified');
		expect(s.cache).toBeNull();
	});

	it('reads the browser’s storage estimate and whether it is persistent', async () => {
		const s = new ModelStorage();
		await s.init();
		expect(s.quota).toBeGreaterThan(0);
		expect(s.usage).toBeGreaterThanOrEqual(0);
		expect(typeof s.persisted).toBe('boolean');
	});

	it('writes sizes in decimal units', () => {
		expect([formatBytes(999), formatBytes(1500), formatBytes(123_456_789), formatBytes(4e12)]).toEqual([
			'999 B',
			'1.5 KB',
			'123 MB',
			'4.0 TB'
		]);
	});
});
