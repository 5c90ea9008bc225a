/**
 * A /v1 stream served by one hub process while the volunteer computing it is connected to another (two
 * processes on one PostgreSQL): the text still arrives as it is generated, relayed between the processes
 * through the Socket.IO adapter, and equals the non-streamed completion with the same seed.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { freshDatabase } from '../harness/postgres';
import { startCliVolunteer, type CliVolunteer } from '../harness/cli-volunteer';

const database = await freshDatabase();

describe.skipIf(!database)('stream: true across hub processes', () => {
	let a: HubProcess;
	let b: HubProcess;
	let volunteer: CliVolunteer | undefined;

	beforeAll(async () => {
		[a, b] = await Promise.all([
			startHubProcess({ databaseUrl: database!.url, dataDir: tempDir() }),
			startHubProcess({ databaseUrl: database!.url, dataDir: tempDir() })
		]);
	}, 120_000);
	afterAll(async () => {
		await volunteer?.stop();
		await Promise.all([a?.stop(), b?.stop()]);
		await database?.drop();
	});

	const client = (hub: HubProcess) => new OpenAI({ baseURL: `${hub.url}/v1`, apiKey: hub.token, maxRetries: 0 });

	it('relays the text live from the process the volunteer is connected to', async () => {
		volunteer = startCliVolunteer(a.url);
		const request = {
			model: 'demo-text-generation',
			messages: [{ role: 'user' as const, content: 'Tell a long story about volunteers and their idle laptops.' }],
			temperature: 0.8,
			seed: 7,
			max_completion_tokens: 150
		};
		// Hub b learns of the volunteer through the database; until then it answers 503.
		await expect
			.poll(
				() =>
					client(b)
						.chat.completions.create({ ...request, max_completion_tokens: 1 })
						.then(
							() => 'computed',
							(e: { status?: number }) => e.status
						),
				{
					timeout: 60_000,
					interval: 500
				}
			)
			.toBe('computed');
		const whole = await client(a).chat.completions.create(request);
		const pieces: string[] = [];
		for await (const chunk of await client(b).chat.completions.create({ ...request, stream: true }))
			for (const choice of chunk.choices) if (choice.delta.content) pieces.push(choice.delta.content);
		expect(pieces.join('')).toBe(whole.choices[0].message.content);
		// Several pieces: heard as generated on hub a, not only taken from the result at the end.
		expect(pieces.length).toBeGreaterThan(1);
		expect(volunteer.output()).toContain(`connected to ${a.url}`);
	});
});
