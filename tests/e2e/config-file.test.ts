/**
 * The hub reads exostack.config.yaml from the folder it starts in, under the environment (which
 * wins), and refuses to start on a bad one, naming the file and the key.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startHubProcess, tempDir, type HubProcess } from '../harness/hub-process';

describe('a hub started beside a configuration file', () => {
	let hub: HubProcess | undefined;
	afterAll(() => hub?.stop());

	it('takes its settings from the file, the environment’s over them', async () => {
		const cwd = tempDir('exostack-cwd-');
		// PORT in the file loses to the harness's PORT in the environment; the input limit is the file's.
		writeFileSync(path.join(cwd, 'exostack.config.yaml'), 'PORT: 1\nEXOSTACK_MAX_INPUTS: 2\nEXOSTACK_DEMO_MODELS: off\n');
		hub = await startHubProcess({ cwd, entry: path.resolve('server.js') });
		const submit = (input: string[]) =>
			api(hub!, '/api/jobs', { method: 'POST', json: { task_type: 'embedding', model: 'demo-embedding', input } });
		const tooMany = await submit(['a', 'b', 'c']);
		expect(tooMany.status).toBe(400);
		expect((await tooMany.json()).error).toMatch(/at most 2/);
		expect((await api(hub, '/api/models')).status).toBe(200);
		expect(await (await api(hub, '/api/models')).json()).toEqual([]);
	});

	it('refuses to start on a bad value or an unknown key, naming the file and the key', async () => {
		const cwd = tempDir('exostack-cwd-');
		writeFileSync(path.join(cwd, 'exostack.config.yaml'), 'EXOSTACK_CHUNK_SIZE: 0\nEXOSTACK_LEASE_SECOND: 30\n');
		const started = startHubProcess({ cwd, entry: path.resolve('server.js') });
		await expect(started).rejects.toThrow(/the hub exited with 1/);
		const message = await started.catch((e: Error) => e.message);
		expect(message).toMatch(/invalid configuration:/);
		expect(message).toMatch(/exostack\.config\.yaml: EXOSTACK_CHUNK_SIZE: /);
		expect(message).toMatch(/exostack\.config\.yaml: EXOSTACK_LEASE_SECOND: unknown setting/);
	});
});
