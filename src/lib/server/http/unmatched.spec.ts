import { describe, expect, it } from 'vitest';
import { isApiPath, unmatchedApiPath } from './unmatched';
import { match as uuid } from '../../../params/uuid';
import { match as sha256 } from '../../../params/sha256';
import { match as node } from '../../../params/node';

async function answer(pathname: string): Promise<[number, unknown]> {
	const res = unmatchedApiPath(pathname);
	expect(res.headers.get('content-type'), pathname).toMatch(/^application\/json/);
	return [res.status, await res.json()];
}

describe('API paths no route matched', () => {
	it('are those under the REST prefixes, not pages', () => {
		for (const p of ['/api', '/api/nope', '/tasks/x/status', '/nodes/x/heartbeat', '/blobs/x']) expect(isApiPath(p), p).toBe(true);
		for (const p of ['/', '/jobs/not-a-uuid', '/volunteers/x', '/apis', '/dashboard']) expect(isApiPath(p), p).toBe(false);
	});

	it('answer a malformed id as its handler did before the param matchers took that check', async () => {
		const noJob = { error: 'no job "not-a-uuid": job ids are UUIDs' };
		expect(await answer('/api/jobs/not-a-uuid')).toEqual([404, noJob]);
		for (const tail of ['cancel', 'results', 'tasks']) expect(await answer(`/api/jobs/not-a-uuid/${tail}`)).toEqual([404, noJob]);
		expect(await answer('/tasks/not-a-uuid/status')).toEqual([404, noJob]);
		expect(await answer('/tasks/1;drop%20table%20jobs/status')).toEqual([404, { error: 'no job "1;drop table jobs": job ids are UUIDs' }]);
		expect(await answer('/blobs/XYZ')).toEqual([404, { error: 'blob names are lowercase sha256 digests' }]);
		expect(await answer('/nodes/-x/heartbeat')).toEqual([
			400,
			{ error: 'invalid node id: letters, digits, dot, dash or underscore, at most 100' }
		]);
		expect(await answer('/nodes/-x/health/detailed')).toEqual([404, { error: 'no live node "-x"' }]);
		expect(await answer('/api/volunteers/-x')).toEqual([404, { error: 'no volunteer "-x"' }]);
		expect(await answer('/api/volunteers/-x/history')).toEqual([404, { error: 'no volunteer "-x"' }]);
	});

	it('answer any other path with a JSON 404', async () => {
		expect(await answer('/api/nope')).toEqual([404, { error: 'no API endpoint at /api/nope' }]);
		expect(await answer('/tasks/x')).toEqual([404, { error: 'no API endpoint at /tasks/x' }]);
	});
});

describe('param matchers', () => {
	it('take job UUIDs, lowercase sha256 digests and node ids, nothing else', () => {
		expect(uuid('00000000-0000-4000-8000-000000000000')).toBe(true);
		expect(uuid('not-a-uuid')).toBe(false);
		expect(sha256('a'.repeat(64))).toBe(true);
		for (const bad of ['A'.repeat(64), 'a'.repeat(63), '../api-token']) expect(sha256(bad), bad).toBe(false);
		for (const good of ['my-laptop', 'node_1.local', '3f0c2a4e-0000-4000-8000-000000000000']) expect(node(good), good).toBe(true);
		for (const bad of ['-x', '.hidden', 'a b', 'x'.repeat(101)]) expect(node(bad), bad).toBe(false);
	});
});
