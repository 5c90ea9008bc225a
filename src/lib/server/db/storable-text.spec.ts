import { describe, expect, it } from 'vitest';
import { isStorableText, unstorableTextAt } from './storable-text';
import { openTestDatabase, TEST_DB_KINDS } from './testing';
import { sql } from 'drizzle-orm';

describe('unstorableTextAt', () => {
	it('finds U+0000 and lone surrogates in strings and keys, at any depth', () => {
		expect(unstorableTextAt({ a: ['ok', { b: 'x\u0000' }] })).toBe('a.1.b');
		expect(unstorableTextAt({ capabilities: { userAgent: '\ud800' } })).toBe('capabilities.userAgent');
		expect(unstorableTextAt(JSON.parse('{"ok": {"k\\u0000": 1}}'))).toBe('ok.k\u0000');
		expect(unstorableTextAt('\udfff')).toBe('(root)');
	});

	it('passes what PostgreSQL stores: paired surrogates, other control characters, numbers', () => {
		expect(unstorableTextAt({ a: ['🙂', '\u0001\u202e', 1.5, null, true], b: { c: 'é' } })).toBeNull();
		expect(isStorableText('🙂')).toBe(true);
	});

	it('walks a payload nested deeper than the stack allows recursion', () => {
		let deep: unknown = 'x\u0000';
		for (let i = 0; i < 200_000; i++) deep = [deep];
		expect(unstorableTextAt(deep)).toMatch(/^0(\.0)*$/);
	});
});

// The premise, against both databases: what the check refuses is what they refuse.
describe.each(TEST_DB_KINDS)('%s', (kind) => {
	it('refuses U+0000 in text and jsonb and a lone surrogate in jsonb, and stores the rest', async () => {
		const database = await openTestDatabase(kind);
		try {
			const { db } = database;
			const jsonb = (s: string) => db.execute(sql`select ${JSON.stringify({ s })}::jsonb`);
			await expect(db.execute(sql`select ${'a\u0000b'}::text`)).rejects.toThrow();
			await expect(jsonb('a\u0000b')).rejects.toThrow();
			await expect(jsonb('\ud800')).rejects.toThrow();
			await expect(jsonb('🙂\u0001')).resolves.toBeDefined();
		} finally {
			await database.close();
		}
	});
});
