/**
 * The REST contract, live: the production hub (`node server.js`) serves its OpenAPI document at
 * /openapi.json, and every operation in it is called over real HTTP, once to succeed and once to be
 * refused where it documents a refusal; each answer's status, content type and body are checked against
 * that document (tests/harness/openapi-check.ts). A route whose answer drifts from its schema fails here.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ONE_MACHINE_MANY_VOLUNTEERS, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';
import { startCliVolunteer, type CliVolunteer } from '../harness/cli-volunteer';
import { ContractCheck, type OpenApiDoc } from '../harness/openapi-check';
import { makePng } from '../harness/images';
import { launchChromium } from '../harness/chromium';
import { seriousAxeViolations } from '../harness/page-checks';
import { writeModelFolder } from '../../src/lib/demo-models/write-model-folder';

const NO_SUCH = '00000000-0000-4000-8000-000000000000';
const embedding = (input: string[]) => ({ task_type: 'embedding', model: 'demo-embedding', input });

let hub: HubProcess;
let contract: ContractCheck;
let volunteer: CliVolunteer | undefined;
const scratch = tempDir('exostack-contract-');

beforeAll(async () => {
	hub = await startHubProcess({
		env: { ...ONE_MACHINE_MANY_VOLUNTEERS, EXOSTACK_WEBHOOK_ALLOW_HTTP: 'on', EXOSTACK_WEBHOOK_ALLOW_PRIVATE: 'on' }
	});
	const res = await fetch(`${hub.url}/openapi.json`);
	expect(res.headers.get('cache-control')).toMatch(/public/);
	contract = new ContractCheck((await res.clone().json()) as OpenApiDoc);
	await contract.check(res, 'get', '/openapi.json');
}, 120_000);

afterAll(async () => {
	await volunteer?.stop();
	await hub?.stop();
	await rm(scratch, { recursive: true, force: true });
});

/** Calls `METHOD path` (with the admin token unless `token` names another) and checks the answer against the document. */
async function call(method: string, template: string, pathname = template, init: RequestInit & { json?: unknown; token?: string } = {}) {
	const { token, ...rest } = init;
	const headers = new Headers(rest.headers);
	if (token) headers.set('authorization', `Bearer ${token}`);
	const res = await api(hub, pathname, { ...rest, method: method.toUpperCase(), headers });
	return { status: res.status, body: (await contract.check(res, method, template)) as Record<string, never> };
}
const anonymous = (method: string, template: string, pathname = template, init: RequestInit & { json?: unknown } = {}) =>
	fetch(`${hub.url}${pathname}`, { ...init, method: method.toUpperCase() }).then(async (res) => ({
		status: res.status,
		body: (await contract.check(res, method, template)) as Record<string, never>
	}));

describe('health, documents and files', () => {
	it('answers the probes, metrics and statistics as documented', async () => {
		for (const p of ['/api/health', '/api/health/live', '/api/health/ready']) expect((await anonymous('get', p)).status).toBe(200);
		expect((await anonymous('get', '/metrics')).status).toBe(200);
		expect((await anonymous('get', '/stats/{file}', '/stats/index.json')).status).toBe(200);
		expect((await anonymous('get', '/stats/{file}', '/stats/nothing.txt')).status).toBe(404);
	});

	it('serves models and their files, and refuses what is not there', async () => {
		const { body: models } = await anonymous('get', '/api/models');
		const demo = (models as unknown as { id: string; files: { path: string; sha256: string }[] }[]).find((m) => m.id === 'demo-embedding')!;
		expect((await anonymous('get', '/api/models/{id}', '/api/models/demo-embedding')).status).toBe(200);
		expect((await anonymous('get', '/api/models/{id}', '/api/models/no/such-model')).status).toBe(404);
		expect((await anonymous('get', '/blobs/{sha256}', `/blobs/${demo.files[0].sha256}`)).status).toBe(200);
		expect((await anonymous('get', '/blobs/{sha256}', `/blobs/${'0'.repeat(64)}`)).status).toBe(404);
		const file = `/models/demo-embedding/resolve/main/${demo.files[0].path}`;
		expect((await anonymous('get', '/models/{path}', file)).status).toBe(200);
		expect((await anonymous('get', '/models/{path}', '/models/demo-embedding/resolve/main/nothing.bin')).status).toBe(404);

		const dir = path.join(scratch, 'model');
		await writeModelFolder(dir, { layout: 'sentence-transformers', size: 'demo', seed: 3 });
		expect((await call('post', '/api/models', '/api/models', { json: { path: dir, id: 'contract/model' } })).status).toBe(201);
		expect((await call('post', '/api/models', '/api/models', { json: { path: dir } })).status).toBe(400);
	});
});

describe('admin', () => {
	let key: string;

	it('mints, lists and revokes keys; a submitter key is refused', async () => {
		const minted = await call('post', '/api/keys', '/api/keys', { json: { name: 'contract' } });
		expect(minted.status).toBe(201);
		key = minted.body.key;
		expect((await call('post', '/api/keys', '/api/keys', { json: { name: '' } })).status).toBe(400);
		expect((await call('get', '/api/keys')).status).toBe(200);
		expect((await call('get', '/api/keys', '/api/keys', { token: key })).status).toBe(403);
		const spare = await call('post', '/api/keys', '/api/keys', { json: { name: 'spare' } });
		expect((await call('delete', '/api/keys/{id}', `/api/keys/${spare.body.id}`)).status).toBe(200);
		expect((await call('delete', '/api/keys/{id}', `/api/keys/${NO_SUCH}`)).status).toBe(404);
	});

	it('reads the audit log and takes a backup', async () => {
		expect((await call('get', '/api/audit')).status).toBe(200);
		expect((await call('get', '/api/audit', '/api/audit?limit=0')).status).toBe(400);
		expect((await call('post', '/api/backup')).status).toBe(200);
		expect((await call('post', '/api/backup', '/api/backup', { token: key })).status).toBe(403);
	});

	it('registers, lists and deletes webhooks', async () => {
		const hook = await call('post', '/api/webhooks', '/api/webhooks', {
			token: key,
			json: { url: 'http://127.0.0.1:9/hook', events: ['job.completed'] }
		});
		expect(hook.status).toBe(201);
		expect(
			(await call('post', '/api/webhooks', '/api/webhooks', { token: key, json: { url: 'not a url', events: ['job.completed'] } })).status
		).toBe(400);
		expect((await call('get', '/api/webhooks', '/api/webhooks', { token: key })).status).toBe(200);
		expect((await anonymous('get', '/api/webhooks')).status).toBe(401);
		expect((await call('delete', '/api/webhooks/{id}', `/api/webhooks/${hook.body.id}`, { token: key })).status).toBe(200);
		expect((await call('delete', '/api/webhooks/{id}', `/api/webhooks/${hook.body.id}`, { token: key })).status).toBe(404);
	});
});

describe('jobs, on /api and the seed paths', () => {
	it('submits, reads, lists and cancels jobs; refuses what is wrong', async () => {
		const created = await call('post', '/api/jobs', '/api/jobs', { json: embedding(['one', 'two']) });
		expect(created.status).toBe(201);
		const id = created.body.job_id as string;
		expect((await call('post', '/api/jobs', '/api/jobs', { json: { ...embedding(['x']), modle: 'typo' } })).status).toBe(400);
		expect((await call('get', '/api/jobs')).status).toBe(200);
		expect((await anonymous('get', '/api/jobs')).status).toBe(401);
		expect((await call('get', '/api/jobs/{id}', `/api/jobs/${id}`)).status).toBe(200);
		expect((await call('get', '/api/jobs/{id}', `/api/jobs/${NO_SUCH}`)).status).toBe(404);
		expect((await call('get', '/api/jobs/{id}/tasks', `/api/jobs/${id}/tasks`)).status).toBe(200);
		expect((await call('get', '/api/jobs/{id}/tasks', `/api/jobs/${NO_SUCH}/tasks`)).status).toBe(404);
		expect((await call('get', '/api/jobs/{id}/results', `/api/jobs/${id}/results`)).status).toBe(200);
		expect((await call('get', '/api/jobs/{id}/results', `/api/jobs/${id}/results?format=csv`)).status).toBe(200);
		expect((await call('get', '/api/jobs/{id}/results', `/api/jobs/${id}/results?format=xml`)).status).toBe(400);
		expect((await call('post', '/api/jobs/{id}/cancel', `/api/jobs/${id}/cancel`)).status).toBe(200);
		expect((await call('post', '/api/jobs/{id}/cancel', `/api/jobs/${id}/cancel`)).status).toBe(409);

		const seed = await call('post', '/tasks/submit', '/tasks/submit', { json: embedding(['seed']) });
		expect(seed.status).toBe(201);
		expect(seed.body).toHaveProperty('task_id');
		expect((await call('post', '/tasks/submit', '/tasks/submit', { json: { task_type: 'embedding' } })).status).toBe(400);
		const status = await call('get', '/tasks/{id}/status', `/tasks/${seed.body.task_id}/status`);
		expect(status.status).toBe(200);
		expect(status.body).not.toHaveProperty('job_id');
		expect((await call('get', '/tasks/{id}/status', `/tasks/${NO_SUCH}/status`)).status).toBe(404);
		await call('post', '/api/jobs/{id}/cancel', `/api/jobs/${seed.body.task_id}/cancel`);
	});

	it('stores uploaded images and refuses other bodies', async () => {
		const png = makePng(8, 8, 1);
		const stored = await call('post', '/api/images', '/api/images', {
			headers: { 'content-type': 'image/png' },
			body: png as Uint8Array<ArrayBuffer>
		});
		expect(stored.status).toBe(201);
		expect((await call('post', '/api/images', '/api/images', { headers: { 'content-type': 'text/plain' }, body: 'no' })).status).toBe(415);
	});
});

describe('nodes and volunteers', () => {
	const nodeId = 'contract-node-1';
	let token: string;
	let teamId: string;

	it('registers a node, takes its heartbeat and shows it in detail; refuses a stranger', async () => {
		const registered = await anonymous('post', '/nodes/register', '/nodes/register', {
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ id: nodeId, capabilities: ['embedding'], cores: 4 })
		});
		expect(registered.status).toBe(201);
		token = registered.body.token;
		const bad = { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: '' }) };
		expect((await anonymous('post', '/nodes/register', '/nodes/register', bad)).status).toBe(400);
		const beat = {
			token,
			json: { ready_for_ai: true, idle_state: { state: 'idle', idle_seconds: 900 }, power_state: { plugged_in: true } }
		};
		expect((await call('post', '/nodes/{id}/heartbeat', `/nodes/${nodeId}/heartbeat`, beat)).status).toBe(200);
		expect((await call('post', '/nodes/{id}/heartbeat', `/nodes/${nodeId}/heartbeat`, { ...beat, token: 'wrong' })).status).toBe(401);
		expect((await call('get', '/nodes/{id}/health/detailed', `/nodes/${nodeId}/health/detailed`, { token })).status).toBe(200);
		expect((await anonymous('get', '/nodes/{id}/health/detailed', `/nodes/${nodeId}/health/detailed`)).status).toBe(401);
		// The admin sees each node; anyone else the counts: both shapes are in the document.
		for (const p of ['/api/nodes', '/nodes/ai-readiness']) {
			expect((await call('get', p)).status).toBe(200);
			expect((await anonymous('get', p)).status).toBe(200);
		}
	});

	it('sets a profile and a team with the signed identity; a forged one is refused', async () => {
		const profile = await anonymous('post', '/api/volunteers/profile', '/api/volunteers/profile', {
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: token, display_name: 'Contract Ada', team: 'Contract Team' })
		});
		expect(profile.status).toBe(200);
		teamId = profile.body.team_id;
		const forged = {
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: 'forged-identity', display_name: 'Eve' })
		};
		expect((await anonymous('post', '/api/volunteers/profile', '/api/volunteers/profile', forged)).status).toBe(403);
		const join = (identity: string) => ({
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity, team_id: teamId })
		});
		expect((await anonymous('post', '/api/volunteers/team', '/api/volunteers/team', join(token))).status).toBe(200);
		expect((await anonymous('post', '/api/volunteers/team', '/api/volunteers/team', join('forged-identity'))).status).toBe(403);
	});

	it('ranks volunteers and teams, and shows their records and cards', async () => {
		expect((await anonymous('get', '/api/volunteers')).status).toBe(200);
		expect((await anonymous('get', '/api/volunteers', '/api/volunteers?window=1y')).status).toBe(400);
		expect((await anonymous('get', '/api/volunteers/{id}', `/api/volunteers/${nodeId}`)).status).toBe(200);
		expect((await anonymous('get', '/api/volunteers/{id}', '/api/volunteers/no-such-node')).status).toBe(404);
		expect((await anonymous('get', '/api/volunteers/{id}/history', `/api/volunteers/${nodeId}/history?days=7`)).status).toBe(200);
		expect((await anonymous('get', '/api/volunteers/{id}/history', `/api/volunteers/${nodeId}/history?days=0`)).status).toBe(400);
		expect((await anonymous('get', '/api/leaderboard', '/api/leaderboard?window=7d')).status).toBe(200);
		expect((await anonymous('get', '/api/leaderboard', '/api/leaderboard?window=never')).status).toBe(400);
		expect((await anonymous('get', '/volunteers/{id}/card.svg', `/volunteers/${nodeId}/card.svg`)).status).toBe(200);
		expect((await anonymous('get', '/volunteers/{id}/card.svg', '/volunteers/no-such-node/card.svg')).status).toBe(404);
		expect((await anonymous('get', '/teams/{id}/card.svg', `/teams/${teamId}/card.svg`)).status).toBe(200);
		expect((await anonymous('get', '/teams/{id}/card.svg', `/teams/${NO_SUCH}/card.svg`)).status).toBe(404);
	});
});

describe('the OpenAI-compatible /v1 endpoints', () => {
	beforeAll(async () => {
		volunteer = startCliVolunteer(hub.url);
		// Until a volunteer is ready a /v1 request is a 503 (documented, but not the success this block checks).
		const ready = async () =>
			((await (await api(hub, '/api/nodes')).json()) as { node_id: string; ready_for_ai: boolean }[]).some(
				(n) => n.ready_for_ai && !n.node_id.startsWith('contract-node')
			);
		for (const deadline = Date.now() + 60_000; !(await ready());) {
			if (Date.now() > deadline) throw new Error(`no volunteer became ready:\n${volunteer!.output().slice(-2000)}`);
			await new Promise((r) => setTimeout(r, 250));
		}
	}, 90_000);

	it('lists models and computes embeddings and completions, whole and streamed; refuses in OpenAI’s shape', async () => {
		expect((await call('get', '/v1/models')).status).toBe(200);
		expect((await anonymous('get', '/v1/models')).status).toBe(401);
		expect((await call('get', '/v1/models/{id}', '/v1/models/demo-embedding')).status).toBe(200);
		expect((await call('get', '/v1/models/{id}', '/v1/models/no-such-model')).status).toBe(404);

		const embeddings = await call('post', '/v1/embeddings', '/v1/embeddings', {
			json: { model: 'demo-embedding', input: ['hello', 'world'] }
		});
		expect(embeddings.status).toBe(200);
		const base64 = { model: 'demo-embedding', input: 'hello', encoding_format: 'base64' };
		expect((await call('post', '/v1/embeddings', '/v1/embeddings', { json: base64 })).status).toBe(200);
		expect((await call('post', '/v1/embeddings', '/v1/embeddings', { json: { model: 'demo-embedding' } })).status).toBe(400);

		const prompt = { model: 'demo-text-generation', prompt: 'Once upon a time', max_tokens: 4, seed: 1 };
		expect((await call('post', '/v1/completions', '/v1/completions', { json: prompt })).status).toBe(200);
		expect((await call('post', '/v1/completions', '/v1/completions', { json: { ...prompt, n: 2 } })).status).toBe(400);
		const chat = { model: 'demo-text-generation', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4, seed: 1 };
		expect((await call('post', '/v1/chat/completions', '/v1/chat/completions', { json: chat })).status).toBe(200);
		const streamed = await call('post', '/v1/chat/completions', '/v1/chat/completions', { json: { ...chat, stream: true } });
		expect(streamed.status).toBe(200);
		expect(String(streamed.body)).toMatch(/data: \[DONE\]/);
		expect((await call('post', '/v1/chat/completions', '/v1/chat/completions', { json: { ...chat, messages: [] } })).status).toBe(400);
	}, 120_000);

	it('uploads, reads and deletes files; creates, reads, lists and cancels batches', async () => {
		const line = (i: number) =>
			JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/embeddings', body: { model: 'demo-embedding', input: `text ${i}` } });
		const upload = (purpose: string) => {
			const form = new FormData();
			form.set('purpose', purpose);
			form.set('file', new Blob([[0, 1, 2].map(line).join('\n') + '\n']), 'in.jsonl');
			return call('post', '/v1/files', '/v1/files', { body: form });
		};
		const file = await upload('batch');
		expect(file.status).toBe(200);
		expect((await upload('fine-tune')).status).toBe(400);
		expect((await call('get', '/v1/files')).status).toBe(200);
		expect((await call('get', '/v1/files', '/v1/files?order=asc&limit=1')).status).toBe(200);
		expect((await call('get', '/v1/files', '/v1/files?order=sideways')).status).toBe(400);
		expect((await anonymous('get', '/v1/files')).status).toBe(401);
		expect((await call('get', '/v1/files/{id}', `/v1/files/${file.body.id}`)).status).toBe(200);
		expect((await call('get', '/v1/files/{id}', '/v1/files/file-nothing')).status).toBe(404);
		expect((await call('get', '/v1/files/{id}/content', `/v1/files/${file.body.id}/content`)).status).toBe(200);
		expect((await call('get', '/v1/files/{id}/content', '/v1/files/file-nothing/content')).status).toBe(404);

		const create = { input_file_id: file.body.id, endpoint: '/v1/embeddings', completion_window: '24h' };
		const batch = await call('post', '/v1/batches', '/v1/batches', { json: create });
		expect(batch.status).toBe(200);
		expect((await call('post', '/v1/batches', '/v1/batches', { json: { ...create, completion_window: '1h' } })).status).toBe(400);
		expect((await call('get', '/v1/batches', '/v1/batches?limit=5')).status).toBe(200);
		expect((await call('get', '/v1/batches', '/v1/batches?limit=0')).status).toBe(400);
		expect((await call('get', '/v1/batches/{id}', `/v1/batches/${batch.body.id}`)).status).toBe(200);
		expect((await call('get', '/v1/batches/{id}', '/v1/batches/batch_nothing')).status).toBe(404);
		expect((await call('post', '/v1/batches/{id}/cancel', `/v1/batches/${batch.body.id}/cancel`)).status).toBe(200);
		expect((await call('post', '/v1/batches/{id}/cancel', '/v1/batches/batch_nothing/cancel')).status).toBe(404);

		expect((await call('delete', '/v1/files/{id}', `/v1/files/${file.body.id}`)).status).toBe(200);
		expect((await call('delete', '/v1/files/{id}', `/v1/files/${file.body.id}`)).status).toBe(404);
	}, 120_000);
});

describe('the reference page', () => {
	it('renders every operation of the document at /docs/api, grouped by tag, with no serious axe violations', async () => {
		const browser = await launchChromium({ webgpu: false });
		try {
			for (const width of [390, 1440]) {
				const page = await browser.newPage({ viewport: { width, height: 900 } });
				await page.goto(`${hub.url}/docs/api`);
				const documented = Object.values(contract.doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
				await expect.poll(() => page.getByTestId('operation').count()).toBe(documented);
				await expect.poll(() => page.getByTestId('tag-jobs').getByTestId('operation').count()).toBeGreaterThan(5);
				await expect.poll(() => page.locator('#postApiJobs').textContent()).toMatch(/API key or admin token[\s\S]*job_id/);
				expect(await seriousAxeViolations(page), `at ${width}px`).toEqual([]);
				await page.close();
			}
		} finally {
			await browser.close();
		}
	}, 60_000);
});

describe('coverage', () => {
	it('called every documented operation: each answered a success, and a refusal where it documents one', () => {
		expect(contract.gaps()).toEqual([]);
	});
});
