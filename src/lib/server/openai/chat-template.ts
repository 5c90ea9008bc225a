/**
 * A chat's messages as one prompt for a text-generation model: rendered with the model's own chat
 * template (`chat_template` in its tokenizer_config.json, a Jinja template, rendered by @huggingface/jinja,
 * the implementation transformers.js uses) when it has one; otherwise in a plain documented format:
 *
 *     System: …
 *     User: …
 *     Assistant:
 *
 * one message per paragraph, ending with the assistant's turn for the model to continue.
 */
import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '../../protocol/rest/openai-requests';

type TokenizerConfig = Record<string, unknown>;

const ROLE_NAMES: Record<ChatMessage['role'], string> = { system: 'System', developer: 'System', user: 'User', assistant: 'Assistant' };

/** A message's text: a string, or its text parts joined. */
export function messageText(m: ChatMessage): string {
	return typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('');
}

/** The template a tokenizer_config.json names: a string, or the `default` of a list of named templates. */
function chatTemplateOf(config: TokenizerConfig): string | null {
	const t = config.chat_template;
	if (typeof t === 'string') return t;
	if (Array.isArray(t)) {
		const named = t.find((x: unknown) => (x as { name?: unknown })?.name === 'default') as { template?: unknown } | undefined;
		if (typeof named?.template === 'string') return named.template;
	}
	return null;
}

/** A special token's text; in tokenizer_config.json it is a string or an AddedToken object. */
function tokenText(value: unknown): string {
	if (typeof value === 'string') return value;
	const content = (value as { content?: unknown } | null)?.content;
	return typeof content === 'string' ? content : '';
}

/** Compiled chat templates, by their text: a model's is parsed once, not on every request. */
const templates = new Map<string, Template>();
const MAX_TEMPLATES = 16;

function compiled(template: string): Template {
	let t = templates.get(template);
	if (!t) {
		t = new Template(template);
		templates.set(template, t);
		if (templates.size > MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
	}
	return t;
}

export function renderChat(messages: ChatMessage[], tokenizerConfig: unknown): string {
	const config = (tokenizerConfig && typeof tokenizerConfig === 'object' ? tokenizerConfig : {}) as TokenizerConfig;
	const template = chatTemplateOf(config);
	const plain = messages.map((m) => ({ role: m.role, content: messageText(m) }));
	if (!template) return plain.map((m) => `${ROLE_NAMES[m.role]}: ${m.content}\n\n`).join('') + 'Assistant:';
	return compiled(template).render({
		messages: plain,
		add_generation_prompt: true,
		bos_token: tokenText(config.bos_token),
		eos_token: tokenText(config.eos_token),
		unk_token: tokenText(config.unk_token),
		pad_token: tokenText(config.pad_token)
	});
}
