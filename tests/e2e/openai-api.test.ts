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
import { maxAbsDiff, referenceEmbeddings } from '../harness/reference';

const MODEL = 'demo-embedding';
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

/** Little-endian float32 bytes, as OpenAI's base64 encoding carries a vector. */
function decodeBase64(text: string): number[] {
	const bytes = Buffer.from(text, 'base64');
	return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

/** Tokens per text by the model's own tokenizer.json, fetched from the hub like any client could. */
async function tokenCounts(texts: string[]): Promise<number[]> {
	const view = (await (await api(hub, `/api/models/${MODEL}`)).json()) as { files: { path: string; sha256: string }[] };
	const blob = async (p: string) => (await fetch(`${hub.url}/blobs/${view.files.find((f) => f.path === p)!.sha256}`)).json();
	const tokenizer = new Tokenizer(await blob('tokenizer.json'), await blob('tokenizer_config.json'));
	return texts.map((t) => tokenizer.encode(t).ids.length);
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
		const counts = await tokenCounts(texts);

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
		const jobs = (await (await api(hub, '/api/jobs')).json()) as { task_type: string; model: string; status: string }[];
		expect(jobs.length).toBeGreaterThanOrEqual(5);
		for (const job of jobs) expect(job).toMatchObject({ task_type: 'embedding', model: MODEL, status: 'completed' });
	});
});
