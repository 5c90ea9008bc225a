import { describe, expect, it } from 'vitest';
import { argmax, chooseToken, nucleus } from './sampling';
import { mulberry32 } from './seeded-random';
import { TextStream } from './text-stream';

describe('sampling', () => {
	const logits = [1, 3, 2, 3, -1];

	it('takes the first of tied maxima greedily', () => {
		expect(argmax(logits)).toBe(1);
		expect(chooseToken(logits, { temperature: 0, topP: 0.1, topK: 2 }, () => 0.99)).toBe(1);
	});

	it('keeps the smallest best set reaching top_p and the k best, renormalised', () => {
		const all = nucleus(logits, { temperature: 1, topP: 1, topK: 0 });
		expect(all.ids).toEqual([1, 3, 2, 0, 4]);
		expect(all.probs.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
		const top = nucleus(logits, { temperature: 1, topP: 0.85, topK: 0 });
		expect(top.ids).toEqual([1, 3, 2]);
		expect(nucleus(logits, { temperature: 1, topP: 1, topK: 2 }).probs).toEqual([0.5, 0.5]);
		// A low temperature sharpens: the two tied best share nearly everything.
		const cold = nucleus(logits, { temperature: 0.1, topP: 1, topK: 0 });
		expect(cold.probs[0] + cold.probs[1]).toBeGreaterThan(0.9999);
	});

	it('draws in proportion to the probabilities with a seeded generator', () => {
		const random = mulberry32(1);
		const counts = new Map<number, number>();
		for (let i = 0; i < 20_000; i++) {
			const t = chooseToken(logits, { temperature: 1, topP: 1, topK: 0 }, random);
			counts.set(t, (counts.get(t) ?? 0) + 1);
		}
		const { ids, probs } = nucleus(logits, { temperature: 1, topP: 1, topK: 0 });
		ids.forEach((id, i) => expect((counts.get(id) ?? 0) / 20_000).toBeCloseTo(probs[i], 1));
		const a = mulberry32(42);
		const b = mulberry32(42);
		expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
	});
});

describe('TextStream', () => {
	const table = ['Hel', 'lo', ' wor', 'ld', '\n', '\nEnd', 'é'];
	// A decoder over a tiny table; token 7 is half of a two-byte character, so it decodes to U+FFFD alone.
	const decode = (ids: number[]) =>
		ids
			.map((i) => (i === 7 ? '\uFFFD' : table[i]))
			.join('')
			.replace('\uFFFD' + 'é', 'é');

	it('hands out each piece once and holds an unfinished character', () => {
		const s = new TextStream(decode, []);
		expect([0, 1, 2].map((id) => s.push(id).delta)).toEqual(['Hel', 'lo', ' wor']);
		expect(s.push(7).delta).toBe('');
		expect(s.push(6).delta).toBe('é');
		expect(s.flush()).toBe('');
	});

	it('holds a possible stop string and cuts the text where one appears', () => {
		const s = new TextStream(decode, ['\n\n']);
		expect(s.push(0).delta).toBe('Hel');
		expect(s.push(4).delta).toBe('');
		const end = s.push(5);
		expect(end).toEqual({ delta: '', stopped: true });
		expect(s.text).toBe('Hel');
		const t = new TextStream(decode, ['\n\n']);
		t.push(4);
		expect(t.push(0).delta).toBe('\nHel');
	});
});
