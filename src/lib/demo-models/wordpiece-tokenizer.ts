import { ENGLISH_WORDS } from './english-words';

/** BERT's special tokens, in the order that gives [PAD] id 0 (the executor pads with it). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Common English endings, so inflected words split into a known stem and one piece instead of letters. */
const SUFFIXES = [
	'es',
	'ed',
	'ing',
	'ly',
	'er',
	'ers',
	'est',
	'tion',
	'tions',
	'ness',
	'ment',
	'ments',
	'able',
	'al',
	'ful',
	'less',
	'ize',
	'ic',
	'ity',
	'ous',
	'ive',
	'en'
];

function printableAscii(): string[] {
	const chars: string[] = [];
	for (let code = 0x21; code <= 0x7e; code++) chars.push(String.fromCharCode(code));
	return chars;
}

/**
 * Specials, every printable ASCII character and its `##` continuation (so any
 * ASCII text tokenizes without [UNK]), suffixes, whole words, then
 * `[unusedN]` up to `vocabSize` as BERT does for spare rows.
 */
export function buildVocab(vocabSize: number): string[] {
	const chars = printableAscii();
	const pieces = [...SPECIAL_TOKENS, ...chars, ...chars.map((c) => `##${c}`), ...SUFFIXES.map((s) => `##${s}`)];
	const vocab = Array.from(new Set([...pieces, ...ENGLISH_WORDS]));
	if (vocab.length > vocabSize) throw new Error(`vocab needs ${vocab.length} entries, size is ${vocabSize}`);
	for (let n = 0; vocab.length < vocabSize; n++) vocab.push(`[unused${n}]`);
	return vocab;
}

const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });

/** `[CLS] $A [SEP]` (and `[CLS] $A [SEP] $B:1 [SEP]:1` for pairs), as BERT's tokenizer.json has it. */
function templateProcessing(ids: Map<string, number>) {
	const token = (t: string) => ({ id: t, ids: [ids.get(t)], tokens: [t] });
	return {
		type: 'TemplateProcessing',
		single: [special('[CLS]'), sequence('A', 0), special('[SEP]')],
		pair: [special('[CLS]'), sequence('A', 0), special('[SEP]'), sequence('B', 1), { SpecialToken: { id: '[SEP]', type_id: 1 } }],
		special_tokens: { '[CLS]': token('[CLS]'), '[SEP]': token('[SEP]') }
	};
}

/** A Hugging Face `tokenizer.json` (tokenizers 0.13+ format) for a lowercasing BERT WordPiece tokenizer. */
export function buildTokenizerJson(vocab: string[]): object {
	const ids = new Map(vocab.map((token, id) => [token, id]));
	const addedTokens = SPECIAL_TOKENS.map((content) => ({
		id: ids.get(content),
		content,
		single_word: false,
		lstrip: false,
		rstrip: false,
		normalized: false,
		special: true
	}));
	return {
		version: '1.0',
		truncation: null,
		padding: null,
		added_tokens: addedTokens,
		normalizer: {
			type: 'BertNormalizer',
			clean_text: true,
			handle_chinese_chars: true,
			strip_accents: null,
			lowercase: true
		},
		pre_tokenizer: { type: 'BertPreTokenizer' },
		post_processor: templateProcessing(ids),
		decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
		model: {
			type: 'WordPiece',
			unk_token: '[UNK]',
			continuing_subword_prefix: '##',
			max_input_chars_per_word: 100,
			vocab: Object.fromEntries(ids)
		}
	};
}

export const SPECIAL_TOKENS_MAP = {
	cls_token: '[CLS]',
	mask_token: '[MASK]',
	pad_token: '[PAD]',
	sep_token: '[SEP]',
	unk_token: '[UNK]'
};

/** `tokenizer_config.json` as transformers writes it for BertTokenizer(Fast). */
export function buildTokenizerConfig(modelMaxLength: number): object {
	return {
		clean_up_tokenization_spaces: true,
		do_basic_tokenize: true,
		do_lower_case: true,
		model_max_length: modelMaxLength,
		never_split: null,
		strip_accents: null,
		tokenize_chinese_chars: true,
		tokenizer_class: 'BertTokenizer',
		...SPECIAL_TOKENS_MAP
	};
}
