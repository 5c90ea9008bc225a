/**
 * The typed client against a real HTTP server that answers what a test tells it to: a body that fits
 * the contract is returned parsed; one that does not, a refusal, or no server at all is an
 * ApiRequestError with the status and a message, never a cast value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError } from './api-request-error';
import { getJob, jobResultLines, submitJob } from './endpoints';
import { HubApi } from './hub-api';

const JOB = '0b6f1c9e-2f0a-4a43-9d1e-5b7e0c1d2a3b';
let server: Server;
let base: string;
/** What the server answers next: status, content type and body text; and what it last received. */
let next = { status: 200, type: 'application/json', body: '{}' };
let received: { method?: string; url?: string; authorization?: string; body: string } = { body: '' };

beforeAll(async () => {
	server = createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			received = { method: req.method, url: req.url, authorization: req.headers.authorization, body };
			res.writeHead(next.status, { 'content-type': next.type }).end(next.body);
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const answer = (status: number, body: unknown, type = 'application/json') =>
	(next = { status, type, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function rejection(p: Promise<unknown>): Promise<ApiRequestError> {
	const e = await p.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(ApiRequestError);
	return e as ApiRequestError;
}

describe('HubApi', () => {
	const api = () => new HubApi({ baseUrl: base, token: 'exo_key' });

	it('sends the token and the JSON body, and returns the answer parsed by the contract', async () => {
		answer(201, { job_id: JOB, status: 'queued' });
		expect(await submitJob(api(), { task_type: 'embedding', model: 'm', input: 'x' })).toEqual({ job_id: JOB, status: 'queued' });
		expect(received).toMatchObject({ method: 'POST', url: '/api/jobs', authorization: 'Bearer exo_key' });
		expect(JSON.parse(received.body)).toEqual({ task_type: 'embedding', model: 'm', input: 'x' });
	});

	it('refuses an answer whose shape the contract does not describe, naming the field', async () => {
		answer(201, { task_id: JOB, status: 'queued' });
		const e = await rejection(submitJob(api(), {}));
		expect(e.status).toBe(201);
		expect(e.message).toMatch(/does not match the API contract \(job_id: /);
		answer(201, { job_id: 'not-a-uuid', status: 'queued' });
		expect((await rejection(submitJob(api(), {}))).message).toMatch(/job_id/);
		answer(200, { job_id: JOB, status: 'sleeping' });
		expect((await rejection(getJob(api(), JOB))).message).toMatch(/does not match/);
		answer(200, 'not json', 'text/plain');
		expect((await rejection(getJob(api(), JOB))).message).toMatch(/does not match/);
	});

	it("turns a refusal into its status and the hub's own message", async () => {
		answer(404, { error: `no job "${JOB}"` });
		const e = await rejection(getJob(api(), JOB));
		expect([e.status, e.message]).toEqual([404, `no job "${JOB}"`]);
		answer(502, '<html>bad gateway</html>', 'text/html');
		const proxy = await rejection(getJob(api(), JOB));
		expect([proxy.status, proxy.message]).toEqual([502, 'HTTP 502']);
	});

	it('parses each result line, and refuses a line off the contract', async () => {
		answer(200, '{"index":0,"input":"a","output":[1]}\n{"index":1,"input":"b","output":[2]}\n', 'application/x-ndjson');
		expect(await jobResultLines(api(), JOB, 1)).toEqual([{ index: 0, input: 'a', output: [1] }]);
		answer(200, '{"index":"0","input":"a","output":[1]}\n', 'application/x-ndjson');
		expect((await rejection(jobResultLines(api(), JOB, 10))).message).toMatch(/result line 0/);
	});

	it('says when the hub cannot be reached, with status 0', async () => {
		const closed = createServer();
		await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((r) => closed.close(() => r()));
		const e = await rejection(getJob(new HubApi({ baseUrl: `http://127.0.0.1:${port}` }), JOB));
		expect(e.status).toBe(0);
		expect(e.message).toMatch(/cannot reach the hub at http:\/\/127\.0\.0\.1/);
	});
});
