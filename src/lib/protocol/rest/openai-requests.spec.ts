import { describe, expect, it } from 'vitest';
import { submissionSchema } from '../jobs';
import { chatRequestSchema, completionsRequestSchema, embeddingsRequestSchema } from './openai-requests';

describe('request schemas bounded by the hub limits', () => {
	const builders = { submissionSchema, embeddingsRequestSchema, completionsRequestSchema, chatRequestSchema };

	it.each(Object.entries(builders))('%s is built once per limits object, not once per request', (_, build) => {
		const limits = { maxInputs: 3, maxInputChars: 10 };
		expect(build(limits)).toBe(build(limits));
		expect(build({ ...limits })).not.toBe(build(limits));
	});

	it('a schema kept for one hub does not bound another with other limits', () => {
		const small = embeddingsRequestSchema({ maxInputs: 1, maxInputChars: 5 });
		const large = embeddingsRequestSchema({ maxInputs: 10, maxInputChars: 50 });
		const body = { model: 'm', input: ['abcdefgh', 'x'] };
		expect(small.safeParse(body).success).toBe(false);
		expect(large.safeParse(body).success).toBe(true);
	});
});
