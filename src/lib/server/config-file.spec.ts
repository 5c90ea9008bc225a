import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readSettings } from './config';

/** A fresh working directory holding the given files. */
function folder(files: Record<string, string> = {}): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'exostack-config-'));
	for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
	return dir;
}

const error = (env: Record<string, string>, cwd: string) => {
	try {
		loadConfig(env, cwd);
	} catch (e) {
		return (e as Error).message;
	}
	throw new Error(`loadConfig accepted ${JSON.stringify(env)} in ${cwd}`);
};

describe('the configuration file', () => {
	it('is read from exostack.config.json in the working directory, under the variables’ names', () => {
		const cwd = folder({ 'exostack.config.json': JSON.stringify({ PORT: 9100, EXOSTACK_CHUNK_SIZE: 4, EXOSTACK_DATA_DIR: 'state' }) });
		const config = loadConfig({}, cwd);
		expect(config.port).toBe(9100);
		expect(config.chunkSize).toBe(4);
		// A relative data folder is taken from the working directory, as from the environment.
		expect(config.dataDir).toBe(path.join(cwd, 'state'));
		expect(loadConfig({}, folder()).port).toBe(8000);
	});

	it('is read from YAML (.yaml or .yml), lists and switches included', () => {
		const yaml = [
			'PORT: 9200',
			'EXOSTACK_DEMO_MODELS: false',
			'EXOSTACK_DISTINCT_NETWORKS: off',
			'EXOSTACK_ALLOWED_ORIGINS:',
			'  - https://a.example',
			'  - https://b.example:8443/',
			'EXOSTACK_RESULT_TOLERANCE: 0.01',
			''
		].join('\n');
		for (const name of ['exostack.config.yaml', 'exostack.config.yml']) {
			const config = loadConfig({}, folder({ [name]: yaml }));
			expect(config.port).toBe(9200);
			expect(config.demoModels).toBe(false);
			expect(config.policy.distinctNetworks).toBe(false);
			expect(config.policy.tolerance).toBe(0.01);
			expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
		}
		expect(loadConfig({}, folder({ 'exostack.config.yaml': '# nothing set yet\n' })).port).toBe(8000);
	});

	it('is found at EXOSTACK_CONFIG, relative to the working directory or absolute', () => {
		const cwd = folder({ 'hub.yaml': 'PORT: 9300\n', 'exostack.config.json': '{"PORT": 1}' });
		expect(loadConfig({ EXOSTACK_CONFIG: 'hub.yaml' }, cwd).port).toBe(9300);
		expect(loadConfig({ EXOSTACK_CONFIG: path.join(cwd, 'hub.yaml') }, folder()).port).toBe(9300);
		expect(error({ EXOSTACK_CONFIG: 'missing.yaml' }, cwd)).toBe('invalid configuration:\n  EXOSTACK_CONFIG: no such file missing.yaml');
	});

	it('is overridden by the environment, and overrides the defaults; each value says where it came from', () => {
		const cwd = folder({ 'exostack.config.yaml': 'PORT: 9400\nEXOSTACK_CHUNK_SIZE: 16\n' });
		const { values, sources, file } = readSettings({ PORT: '9500', PATH: '/usr/bin' }, cwd);
		expect(file).toBe('exostack.config.yaml');
		expect([values.PORT, sources.PORT]).toEqual([9500, 'environment']);
		expect([values.EXOSTACK_CHUNK_SIZE, sources.EXOSTACK_CHUNK_SIZE]).toEqual([16, 'file']);
		expect([values.EXOSTACK_LEASE_SECONDS, sources.EXOSTACK_LEASE_SECONDS]).toEqual([60, 'default']);
		expect(sources).not.toHaveProperty('PATH');
	});

	it('names the file and the key of a bad value, listed with the environment’s', () => {
		const cwd = folder({ 'exostack.config.yaml': 'EXOSTACK_CHUNK_SIZE: 0\nPORT: 8000\n' });
		const message = error({ EXOSTACK_MAX_INPUTS: 'lots' }, cwd);
		expect(message.split('\n')[0]).toBe('invalid configuration:');
		expect(message).toMatch(/^ {2}exostack\.config\.yaml: EXOSTACK_CHUNK_SIZE: .*>=1$/m);
		expect(message).toMatch(/^ {2}EXOSTACK_MAX_INPUTS: .*expected number/m);
		// The environment's value replaces the file's: the bad one in the file is then not used, nor reported.
		expect(loadConfig({ EXOSTACK_CHUNK_SIZE: '3' }, cwd).chunkSize).toBe(3);
		const crossed = error(
			{},
			folder({ 'exostack.config.json': '{"EXOSTACK_HEADERS_TIMEOUT_SECONDS": 30, "EXOSTACK_REQUEST_TIMEOUT_SECONDS": 10}' })
		);
		expect(crossed).toMatch(/exostack\.config\.json: EXOSTACK_HEADERS_TIMEOUT_SECONDS: must not exceed EXOSTACK_REQUEST_TIMEOUT_SECONDS/);
	});

	it('refuses a key it does not know, so a typo is not silently ignored', () => {
		const message = error({}, folder({ 'exostack.config.json': '{"EXOSTACK_CHUNK_SIZ": 4, "PORT": 8001, "EXOSTACK_CONFIG": "x"}' }));
		expect(message).toMatch(/^ {2}exostack\.config\.json: EXOSTACK_CHUNK_SIZ: unknown setting$/m);
		expect(message).toMatch(/exostack\.config\.json: EXOSTACK_CONFIG: unknown setting \(EXOSTACK_CONFIG names the file/);
	});

	it('refuses a file it cannot read as settings, saying why', () => {
		expect(error({}, folder({ 'exostack.config.json': '{"PORT": 80,' }))).toMatch(
			/^invalid configuration:\n {2}exostack\.config\.json: not valid JSON/
		);
		expect(error({}, folder({ 'exostack.config.yaml': 'PORT: [1\n' }))).toMatch(/exostack\.config\.yaml: not valid YAML/);
		expect(error({}, folder({ 'exostack.config.json': '[8000]' }))).toMatch(/exostack\.config\.json: must be an object of settings/);
		expect(error({}, folder({ 'exostack.config.json': '{"HOST": {"name": "x"}}' }))).toMatch(
			/exostack\.config\.json: HOST: must be a string, a number, on\/off or a list of strings/
		);
		expect(error({}, folder({ 'exostack.config.json': '{"PORT": null}' }))).toMatch(/exostack\.config\.json: PORT: must be a string/);
		expect(error({}, folder({ 'exostack.config.yaml': 'EXOSTACK_TRUSTED_PROXIES: ["a,b"]\n' }))).toMatch(
			/EXOSTACK_TRUSTED_PROXIES: a list item may not contain a comma/
		);
		expect(error({}, folder({ 'exostack.config.json': `{"HOST": "${'x'.repeat(1024 * 1024)}"}` }))).toMatch(
			/exostack\.config\.json: \d+ bytes; a configuration file holds at most 1048576/
		);
	});

	it('refuses two configuration files side by side', () => {
		const cwd = folder({ 'exostack.config.json': '{}', 'exostack.config.yaml': 'PORT: 1\n' });
		expect(error({}, cwd)).toMatch(/exostack\.config\.json and exostack\.config\.yaml both exist in .*: keep one/);
		// Naming one with EXOSTACK_CONFIG settles it.
		expect(loadConfig({ EXOSTACK_CONFIG: 'exostack.config.yaml' }, cwd).port).toBe(1);
	});
});
