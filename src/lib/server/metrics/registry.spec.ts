import { describe, expect, it } from 'vitest';
import { Counter, counter, renderMetrics } from './registry';
import { blobBytesSent, blobResponses, countBlobResponse } from './blob-metrics';

describe('metrics', () => {
	it('renders counters in the Prometheus text format, labels sorted and escaped', () => {
		const c = new Counter('test_things_total', 'Things.');
		c.inc();
		c.inc({ b: '2', a: 'x"y\\z' }, 5);
		c.inc({ a: 'x"y\\z', b: '2' });
		expect(c.render()).toBe(
			['# HELP test_things_total Things.', '# TYPE test_things_total counter', 'test_things_total 1', 'test_things_total{a="x\\"y\\\\z",b="2"} 6'].join('\n')
		);
		expect(() => c.inc({}, -1)).toThrow(/only goes up/);
	});

	it('refuses a bad or duplicate name', () => {
		expect(() => counter('bad name', '')).toThrow();
		counter('test_unique_total', 'Once.');
		expect(() => counter('test_unique_total', 'Twice.')).toThrow(/twice/);
		expect(renderMetrics()).toContain('# TYPE test_unique_total counter');
	});

	it('counts a blob body as it is read, and misses under one label', async () => {
		const sha = 'a'.repeat(64);
		const before = blobBytesSent.get({ sha256: sha });
		const body = new Uint8Array(100_000).fill(7);
		const counted = countBlobResponse(sha, new Response(body, { status: 200 }));
		expect(blobBytesSent.get({ sha256: sha })).toBe(before); // nothing sent yet
		expect((await counted.arrayBuffer()).byteLength).toBe(100_000);
		expect(blobBytesSent.get({ sha256: sha })).toBe(before + 100_000);
		expect(blobResponses.get({ sha256: sha, status: '200' })).toBeGreaterThan(0);

		countBlobResponse('b'.repeat(64), new Response(null, { status: 404 }));
		expect(blobResponses.get({ sha256: 'unknown', status: '404' })).toBe(1);
		expect(renderMetrics()).not.toContain('b'.repeat(64));
	});
});
