import { describe, expect, it } from 'vitest';
import { buildTokenizerConfig, buildTokenizerJson, buildVocab } from '../demo-models/wordpiece-tokenizer';
import { padBatch, TextTokenizer } from './tokenize';

const JSON_FILE = buildTokenizerJson(buildVocab(2048));
const CLS = 2;
const SEP = 3;

describe('TextTokenizer', () => {
	it('adds [CLS] and [SEP] and finds the pad id from tokenizer_config.json', () => {
		const tokenizer = new TextTokenizer(JSON_FILE, buildTokenizerConfig(128), 128);
		const ids = tokenizer.encode('hello world');
		expect(ids[0]).toBe(CLS);
		expect(ids.at(-1)).toBe(SEP);
		expect(ids).toHaveLength(4);
		expect(tokenizer.padId).toBe(0);
	});

	it('truncates to maxLength keeping the final [SEP]', () => {
		const tokenizer = new TextTokenizer(JSON_FILE, {}, 8);
		const ids = tokenizer.encode('the quick brown fox jumps over the lazy dog again and again');
		const full = new TextTokenizer(JSON_FILE, {}, 512).encode('the quick brown fox jumps over the lazy dog again and again');
		expect(ids).toHaveLength(8);
		expect(ids).toEqual([...full.slice(0, 7), SEP]);
		expect(tokenizer.encode('hello')).toEqual([CLS, expect.any(Number), SEP]);
	});

	it('rejects a maxLength too short for the special tokens and a non-object tokenizer.json', () => {
		expect(() => new TextTokenizer(JSON_FILE, {}, 1)).toThrow(/special tokens/);
		expect(() => new TextTokenizer('nope', {}, 8)).toThrow(/tokenizer.json/);
	});
});

describe('padBatch', () => {
	it('right-pads to the longest sequence with the pad id and a zero mask', () => {
		const batch = padBatch(
			[
				[2, 10, 3],
				[2, 3]
			],
			0
		);
		expect(batch).toMatchObject({ batch: 2, seqLen: 3 });
		expect(Array.from(batch.inputIds)).toEqual([2n, 10n, 3n, 2n, 3n, 0n]);
		expect(Array.from(batch.attentionMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
	});
});
