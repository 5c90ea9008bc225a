/**
 * The OpenAI-compatible endpoints (/v1) driven by the official `openai` npm client against the production
 * hub, with a real headless volunteer computing: embeddings equal onnxruntime-node's for the same input
 * (string and array input, float and base64), usage counted with the model's tokenizer, and refusals
 * raising the SDK's typed errors, a 503 with Retry-After among them while no volunteer can compute.
 */
import OpenAI from 'openai';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, type HubProcess } from '../harness/hub-process';
import { startCliVolunteer, type CliVolunteer } from '../harness/cli-volunteer';
import { maxAbsDiff, referenceEmbeddings, referenceOutputs, variantOfResultClass } from '../harness/reference';
import type { GenerationOutput } from '../../src/lib/protocol/generation';

const MODEL = 'demo-embedding';
const GENERATOR = 'demo-text-generation';
/** As the other end-to-end embedding checks: a volunteer's vector against onnxruntime-node's. */
const TOLERANCE = 1e-5;

let hub: HubProcess;
let volunteer: CliVolunteer | undefined;

beforeAll(async () => {
	hub = await startHubProcess();
}, 120_000);
afterAll(async () => {
	await volunteer?.stop();
	await hub?.stop();
});

/** The SDK as a user would set it up, without its retries: each test sees the hub's first answer. */
const client = (apiKey = hub.token) => new OpenAI({ baseURL: `${hub.url}/v1`, apiKey, maxRetries: 0 });

/** The error a call raises (the test fails if it resolves). */
async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
	const e = await call.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(OpenAI.APIError);
	return e as InstanceType<typeof OpenAI.APIError>;
}

/** Tokens per text by a model's own tokenizer.json, fetched from the hub like any client could. */
async function tokenCountsOf(model: string, texts: string[]): Promise<number[]> {
	const view = (await (await api(hub, `/api/models/${model}`)).json()) as { files: { path: string; sha256: string }[] };
	const blob = async (p: string) => (await fetch(`${hub.url}/blobs/${view.files.find((f) => f.path === p)!.sha256}`)).json();
	const tokenizer = new Tokenizer(await blob('tokenizer.json'), await blob('tokenizer_config.json'));
	return texts.map((t) => tokenizer.encode(t).ids.length);
}

/**
 * onnxruntime-node's generation for the prompts of the job behind a /v1 response (`cmpl-<job id>`), with
 * the variant the hub recorded for the volunteer's task.
 */
async function referenceGeneration(responseId: string, prompts: string[], params: Record<string, unknown>) {
	const jobId = responseId.replace(/^(chat)?cmpl-/, '');
	const [task] = (await (await api(hub, `/api/jobs/${jobId}/tasks`)).json()) as { result_class: string }[];
	const variant = variantOfResultClass(task.result_class);
	return (await referenceOutputs(hub.url, {
		taskType: 'text_generation',
		modelId: GENERATOR,
		inputs: prompts,
		params,
		variant
	})) as GenerationOutput[];
}

/** Little-endian float32 bytes, as OpenAI's base64 encoding carries a vector. */
function decodeBase64(text: string): number[] {
	const bytes = Buffer.from(text, 'base64');
	return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('GET /v1/models', () => {
	it('lists the hub models and retrieves one; an unknown one is a NotFoundError', async () => {
		const ids = [];
		for await (const m of client().models.list()) ids.push(m.id);
		expect(ids).toEqual(expect.arrayContaining([MODEL, 'demo-text-generation']));
		const model = await client().models.retrieve(MODEL);
		expect(model).toMatchObject({ id: MODEL, object: 'model', owned_by: 'exostack' });
		expect(model.created).toBeGreaterThan(1_700_000_000);
		const missing = await refusal(client().models.retrieve('no-such-model'));
		expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
		expect(missing.code).toBe('model_not_found');
	});
});

describe('POST /v1/embeddings', () => {
	it('answers 503 with Retry-After while no volunteer can compute, and queues nothing', async () => {
		const e = await refusal(client().embeddings.create({ model: MODEL, input: 'nobody is here' }));
		expect(e.status).toBe(503);
		expect(e.code).toBe('no_volunteer_available');
		expect(e.headers?.get('retry-after')).toBe('10');
		// A stream is refused the same way, before any event.
		const streamed = await refusal(
			client().chat.completions.create({ model: GENERATOR, messages: [{ role: 'user', content: 'hi' }], stream: true })
		);
		expect([streamed.status, streamed.code]).toEqual([503, 'no_volunteer_available']);
		expect(await (await api(hub, '/api/jobs')).json()).toEqual([]);
	});

	it('raises the SDK typed errors for a bad key, an unknown model and bad arguments', async () => {
		const bad = await refusal(client('exo_not_a_key_0123456789').embeddings.create({ model: MODEL, input: 'x' }));
		expect(bad).toBeInstanceOf(OpenAI.AuthenticationError);
		expect(bad.code).toBe('invalid_api_key');

		const unknown = await refusal(client().embeddings.create({ model: 'no-such-model', input: 'x' }));
		expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
		expect([unknown.code, unknown.param]).toEqual(['model_not_found', 'model']);

		const cases: [OpenAI.EmbeddingCreateParams, string][] = [
			[{ model: MODEL, input: [[1, 2, 3]] }, 'input[0]'],
			[{ model: MODEL, input: [] }, 'input'],
			[{ model: MODEL, input: 'x', dimensions: 3 }, 'dimensions'],
			[{ model: 'demo-text-generation', input: 'x' }, 'model']
		];
		for (const [params, param] of cases) {
			const e = await refusal(client().embeddings.create(params));
			expect(e, JSON.stringify(params)).toBeInstanceOf(OpenAI.BadRequestError);
			expect(e.param, JSON.stringify(params)).toBe(param);
			expect(e.type).toBe('invalid_request_error');
		}
	});

	it('computes embeddings on a volunteer equal to onnxruntime-node, for string and array input, float and base64', async () => {
		volunteer = startCliVolunteer(hub.url);
		// Until the volunteer has connected and declared itself ready, the hub answers 503.
		await expect
			.poll(
				() =>
					client()
						.embeddings.create({ model: MODEL, input: 'warming up', encoding_format: 'float' })
						.then(
							() => 'computed',
							(e: { status?: number }) => e.status
						),
				{ timeout: 60_000, interval: 500 }
			)
			.toBe('computed');

		const texts = ['Idle laptops, doing AI work', 'one fish', 'two fish, red fish, blue fish'];
		const expected = await referenceEmbeddings(hub.url, MODEL, texts);
		const counts = await tokenCountsOf(MODEL, texts);

		const single = await client().embeddings.create({ model: MODEL, input: texts[0], encoding_format: 'float' });
		expect(single).toMatchObject({ object: 'list', model: MODEL, usage: { prompt_tokens: counts[0], total_tokens: counts[0] } });
		expect(single.data).toHaveLength(1);
		expect(maxAbsDiff(single.data[0].embedding, expected[0])).toBeLessThan(TOLERANCE);

		const floats = await client().embeddings.create({ model: MODEL, input: texts, encoding_format: 'float' });
		expect(floats.data.map((d) => d.index)).toEqual([0, 1, 2]);
		floats.data.forEach((d, i) => expect(maxAbsDiff(d.embedding, expected[i]), texts[i]).toBeLessThan(TOLERANCE));
		expect(floats.usage.prompt_tokens).toBe(counts.reduce((a, b) => a + b));

		// Asked for explicitly, base64 comes back as the string the API sends.
		const base64 = await client().embeddings.create({ model: MODEL, input: texts, encoding_format: 'base64' });
		base64.data.forEach((d, i) => {
			expect(typeof d.embedding).toBe('string');
			expect(maxAbsDiff(decodeBase64(d.embedding as unknown as string), expected[i]), texts[i]).toBeLessThan(TOLERANCE);
		});
		// Left to the SDK, it asks for base64 and decodes it itself.
		const sdkDefault = await client().embeddings.create({ model: MODEL, input: texts });
		sdkDefault.data.forEach((d, i) => expect(maxAbsDiff(d.embedding, expected[i]), texts[i]).toBeLessThan(TOLERANCE));

		// Each call was an ordinary job, computed and visible like any other.
		const jobs = (await (await api(hub, '/api/jobs')).json()) as { job_id: string; task_type: string; model: string; status: string }[];
		expect(jobs.length).toBeGreaterThanOrEqual(5);
		for (const job of jobs) expect(job).toMatchObject({ task_type: 'embedding', model: MODEL, status: 'completed' });
		// In the interactive lane, ahead of any batch work.
		for (const job of jobs) expect((await (await api(hub, `/api/jobs/${job.job_id}`)).json()).priority).toBe('interactive');
	});
});

describe('POST /v1/completions and /v1/chat/completions', () => {
	// The volunteer started by the embeddings test above computes these too.
	it('completes prompts as onnxruntime-node does, with usage by the model tokenizer', async () => {
		const prompts = ['Hello world, this is', 'Once upon a time'];
		const res = await client().completions.create({ model: GENERATOR, prompt: prompts, max_tokens: 12, temperature: 0 });
		expect(res).toMatchObject({ object: 'text_completion', model: GENERATOR });
		const expected = await referenceGeneration(res.id, prompts, { max_tokens: 12, temperature: 0, top_p: 1 });
		expect(res.choices.map((c) => c.index)).toEqual([0, 1]);
		res.choices.forEach((c, i) => {
			expect(c.text, prompts[i]).toBe(expected[i].text);
			expect(c.finish_reason).toBe(expected[i].finish_reason === 'length' ? 'length' : 'stop');
		});
		const promptTokens = (await tokenCountsOf(GENERATOR, prompts)).reduce((a, b) => a + b);
		const completionTokens = expected.reduce((n, o) => n + o.tokens.length, 0);
		expect(completionTokens).toBeGreaterThan(0);
		expect(res.usage).toEqual({
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens
		});
	});

	it('answers a chat, rendered in the plain format for a model without a chat template, as onnxruntime-node with the same seed', async () => {
		const messages = [
			{ role: 'system' as const, content: 'You are brief.' },
			{ role: 'user' as const, content: 'Say something about idle laptops.' }
		];
		const sampling = { temperature: 0.9, top_p: 0.95, seed: 1234 };
		const res = await client().chat.completions.create({ model: GENERATOR, messages, max_completion_tokens: 20, ...sampling });
		const prompt = 'System: You are brief.\n\nUser: Say something about idle laptops.\n\nAssistant:';
		const [expected] = await referenceGeneration(res.id, [prompt], { max_tokens: 20, ...sampling });
		expect(expected.tokens.length).toBeGreaterThan(0);
		expect(res.object).toBe('chat.completion');
		expect(res.choices).toHaveLength(1);
		expect(res.choices[0].message).toMatchObject({ role: 'assistant', content: expected.text });
		const [promptTokens] = await tokenCountsOf(GENERATOR, [prompt]);
		expect(res.usage).toMatchObject({ prompt_tokens: promptTokens, completion_tokens: expected.tokens.length });
		// The same seed again: the same answer.
		const again = await client().chat.completions.create({ model: GENERATOR, messages, max_completion_tokens: 20, ...sampling });
		expect(again.choices[0].message.content).toBe(res.choices[0].message.content);
	});

	it('refuses what the executor cannot do as BadRequestError naming the field', async () => {
		const messages = [{ role: 'user' as const, content: 'hi' }];
		const cases: [() => Promise<unknown>, string, string?][] = [
			[() => client().chat.completions.create({ model: GENERATOR, messages, n: 2 }), 'n'],
			[() => client().chat.completions.create({ model: GENERATOR, messages, max_tokens: 100_000 }), 'max_tokens'],
			[() => client().chat.completions.create({ model: GENERATOR, messages, temperature: 3 }), 'temperature'],
			[() => client().chat.completions.create({ model: GENERATOR, messages, presence_penalty: 1 }), 'presence_penalty'],
			[() => client().chat.completions.create({ model: MODEL, messages }), 'model'],
			[
				() => client().completions.create({ model: GENERATOR, prompt: 'word '.repeat(400), max_tokens: 16 }),
				'prompt',
				'context_length_exceeded'
			],
			[() => client().completions.create({ model: GENERATOR, prompt: [1, 2, 3] }), 'prompt[0]']
		];
		for (const [call, param, code] of cases) {
			const e = await refusal(call());
			expect(e, param).toBeInstanceOf(OpenAI.BadRequestError);
			expect(e.param).toBe(param);
			if (code) expect(e.code).toBe(code);
		}
	});
});

describe('stream: true', () => {
	const messages = [{ role: 'user' as const, content: 'Tell a long story about volunteers and their idle laptops.' }];
	const sampling = { temperature: 0.8, top_p: 0.9, seed: 42, max_completion_tokens: 150 };

	it('streams a chat completion as the volunteer generates it, equal to the non-streamed one with the same seed', async () => {
		const whole = await client().chat.completions.create({ model: GENERATOR, messages, ...sampling });
		const stream = await client().chat.completions.create({
			model: GENERATOR,
			messages,
			...sampling,
			stream: true,
			stream_options: { include_usage: true }
		});
		const pieces: string[] = [];
		let finish: string | null = null;
		let usage: unknown = null;
		let role: string | undefined;
		for await (const chunk of stream) {
			expect(chunk.object).toBe('chat.completion.chunk');
			if (chunk.usage) usage = chunk.usage;
			for (const choice of chunk.choices) {
				role ??= choice.delta.role;
				if (choice.delta.content) pieces.push(choice.delta.content);
				finish = choice.finish_reason ?? finish;
			}
		}
		expect(role).toBe('assistant');
		expect(pieces.join('')).toBe(whole.choices[0].message.content);
		expect(finish).toBe(whole.choices[0].finish_reason);
		expect(usage).toEqual(whole.usage);
		// Relayed as it was generated (the volunteer sends its text every 50 ms), not in one piece at the end.
		expect(pieces.length).toBeGreaterThan(1);
	});

	it('streams a text completion, and the wire format ends with data: [DONE]', async () => {
		const params = { model: GENERATOR, prompt: 'Once upon a time', max_tokens: 40, temperature: 0 };
		const whole = await client().completions.create(params);
		let text = '';
		for await (const chunk of await client().completions.create({ ...params, stream: true })) text += chunk.choices[0]?.text ?? '';
		expect(text).toBe(whole.choices[0].text);

		const raw = await api(hub, '/v1/completions', { method: 'POST', json: { ...params, stream: true } });
		expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const events = (await raw.text()).split('\n\n').filter(Boolean);
		expect(events.at(-1)).toBe('data: [DONE]');
		expect(events.every((e) => e.startsWith('data: '))).toBe(true);
	});

	it('honours Idempotency-Key on a stream: a retry streams the first job, even one whose client left; another body is a 422', async () => {
		const jobCount = async () => ((await (await api(hub, '/api/jobs?limit=500')).json()) as unknown[]).length;
		const params = { model: GENERATOR, messages, ...sampling, stream: true as const };
		const headers = { 'Idempotency-Key': 'stream-e2e-1' };
		const before = await jobCount();
		// The first client goes away after its first chunk: with a key, its job is left to finish for the retry.
		const first = await client().chat.completions.create(params, { headers });
		for await (const chunk of first) {
			expect(chunk.object).toBe('chat.completion.chunk');
			break;
		}
		const replay = async () => {
			let id = '';
			let text = '';
			for await (const chunk of await client().chat.completions.create(params, { headers })) {
				id = chunk.id;
				text += chunk.choices[0]?.delta.content ?? '';
			}
			return { id, text };
		};
		const again = await replay();
		const whole = await client().chat.completions.create({ ...params, stream: false });
		expect(again.text).toBe(whole.choices[0].message.content);
		// The same job answers every retry, done or not: one job for the key, one for the unkeyed request.
		expect((await replay()).id).toBe(again.id);
		expect(await jobCount()).toBe(before + 2);
		const misuse = await refusal(client().chat.completions.create({ ...params, seed: 43 }, { headers }));
		expect(misuse).toBeInstanceOf(OpenAI.UnprocessableEntityError);
		expect(misuse.type).toBe('invalid_request_error');
		expect(await jobCount()).toBe(before + 2);
	});
});
