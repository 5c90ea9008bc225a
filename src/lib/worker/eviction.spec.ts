import { describe, expect, it } from 'vitest';
import { planEviction, type CachedFileInfo } from './eviction';

const file = (sha256: string, size: number, lastUsed: number): CachedFileInfo => ({ sha256, size, lastUsed });

describe('planEviction', () => {
	const files = [file('a', 40, 300), file('b', 30, 100), file('c', 20, 200)];

	it('deletes nothing while everything fits', () => {
		expect(planEviction(files, 100, 10)).toEqual([]);
		expect(planEviction(files, 90, 0)).toEqual([]);
	});

	it('deletes the least recently used files first, only as many as needed', () => {
		expect(planEviction(files, 100, 20)?.map((f) => f.sha256)).toEqual(['b']);
		expect(planEviction(files, 100, 45)?.map((f) => f.sha256)).toEqual(['b', 'c']);
		// A budget lowered below what is stored trims without anything incoming.
		expect(planEviction(files, 45, 0)?.map((f) => f.sha256)).toEqual(['b', 'c']);
	});

	it('treats files of unknown age as the oldest', () => {
		expect(planEviction([...files, file('d', 10, 0)], 100, 10)?.map((f) => f.sha256)).toEqual(['d']);
	});

	it('refuses, deleting nothing, a file larger than the whole budget', () => {
		expect(planEviction(files, 100, 101)).toBeNull();
		expect(planEviction(files, 100, 100)?.map((f) => f.sha256)).toEqual(['b', 'c', 'a']);
	});
});
