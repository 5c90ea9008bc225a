import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { MODEL_SIZES } from './bert-weights';
import { buildTokenizerConfig, buildTokenizerJson, buildVocab, SPECIAL_TOKENS } from './wordpiece-tokenizer';

function demoTokenizer(): Tokenizer {
	return new Tokenizer(buildTokenizerJson(buildVocab(MODEL_SIZES.demo.vocabSize)), buildTokenizerConfig(128));
}

describe('demo WordPiece tokenizer', () => {
	it('puts the special tokens first and pads to the requested size with unique entries', () => {
		for (const size of [MODEL_SIZES.demo.vocabSize, MODEL_SIZES.minilm.vocabSize]) {
			const vocab = buildVocab(size);
			expect(vocab.slice(0, 5)).toEqual([...SPECIAL_TOKENS]);
			expect(vocab).toHaveLength(size);
			expect(new Set(vocab).size).toBe(size);
			expect(vocab).toContain('##z');
			expect(vocab[size - 1]).toMatch(/^\[unused\d+\]$/);
		}
		expect(() => buildVocab(100)).toThrow(/vocab needs/);
	});

	it('round-trips an English sentence as whole words between [CLS] and [SEP]', () => {
		const tokenizer = demoTokenizer();
		const encoded = tokenizer.encode('Hello world, this is a test.');
		expect(encoded.tokens).toEqual(['[CLS]', 'hello', 'world', ',', 'this', 'is', 'a', 'test', '.', '[SEP]']);
		expect(encoded.ids[0]).toBe(tokenizer.token_to_id('[CLS]'));
		expect(encoded.ids.at(-1)).toBe(tokenizer.token_to_id('[SEP]'));
		expect(tokenizer.decode(encoded.ids, { skip_special_tokens: true })).toBe('hello world, this is a test.');
		expect(tokenizer.token_to_id('[PAD]')).toBe(0);
	});

	it('splits unknown words into pieces instead of [UNK], and pairs get segment ids', () => {
		const tokenizer = demoTokenizer();
		const encoded = tokenizer.encode('Zebras jumped');
		expect(encoded.tokens).not.toContain('[UNK]');
		expect(tokenizer.decode(encoded.ids, { skip_special_tokens: true })).toBe('zebras jumped');
		const pair = tokenizer.encode('a', { text_pair: 'b', return_token_type_ids: true });
		expect(pair.tokens).toEqual(['[CLS]', 'a', '[SEP]', 'b', '[SEP]']);
		expect(pair.token_type_ids).toEqual([0, 0, 0, 1, 1]);
	});
});
