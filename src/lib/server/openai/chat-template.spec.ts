import { describe, expect, it } from 'vitest';
import { renderChat } from './chat-template';

/** ChatML, as Qwen's tokenizer_config.json carries it. */
const CHATML =
	"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Zephyr's (TinyLlama-Chat's) template: special tokens from the config, a conversation that must start right. */
const ZEPHYR =
	"{% if messages[0]['role'] == 'assistant' %}{{ raise_exception('a conversation starts with the user or the system') }}{% endif %}{{ bos_token }}{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

const chat = [
	{ role: 'system' as const, content: 'Be brief.' },
	{
		role: 'user' as const,
		content: [
			{ type: 'text' as const, text: 'Hello, ' },
			{ type: 'text' as const, text: 'volunteers' }
		]
	}
];

describe('renderChat', () => {
	it("renders with the model's chat template, adding the assistant's turn", () => {
		expect(renderChat(chat, { chat_template: CHATML })).toBe(
			'<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello, volunteers<|im_end|>\n<|im_start|>assistant\n'
		);
	});

	it("passes the config's special tokens, strings or AddedToken objects, and the default of named templates", () => {
		const config = {
			chat_template: [
				{ name: 'tool_use', template: 'wrong' },
				{ name: 'default', template: ZEPHYR }
			],
			bos_token: '<s>',
			eos_token: { content: '</s>' }
		};
		expect(renderChat(chat, config)).toBe('<s><|system|>\nBe brief.</s>\n<|user|>\nHello, volunteers</s>\n<|assistant|>\n');
	});

	it('throws what the template raises', () => {
		expect(() => renderChat([{ role: 'assistant', content: 'hi' }], { chat_template: ZEPHYR })).toThrow(/starts with the user/);
	});

	it('without a template, writes one paragraph per message and ends on the assistant', () => {
		expect(renderChat(chat, {})).toBe('System: Be brief.\n\nUser: Hello, volunteers\n\nAssistant:');
		expect(renderChat([{ role: 'user', content: 'Hi' }], null)).toBe('User: Hi\n\nAssistant:');
	});
});
