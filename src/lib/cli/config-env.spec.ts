import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withConfigFile } from './config-env';
import { hubToken } from './hub-token';

const T = 'exo_from_the_file_0123456789';

function folder(files: Record<string, string>): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'exostack-cli-config-'));
	for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
	return dir;
}

describe('the CLI and the configuration file', () => {
	it('finds the token a hub started here would use, sent only where EXOSTACK_API_TOKEN would be', () => {
		const cwd = folder({ 'exostack.config.yaml': `EXOSTACK_API_TOKEN: ${T}\n` });
		const env = withConfigFile({ PATH: '/usr/bin' }, cwd);
		expect(env.EXOSTACK_API_TOKEN).toBe(T);
		expect(hubToken('http://localhost:8000', undefined, env).token).toBe(T);
		expect(hubToken('https://elsewhere.example', undefined, env)).toMatchObject({
			token: null,
			withheld: expect.stringContaining('this machine')
		});
	});

	it('finds the generated token in the data folder the file names', () => {
		const data = folder({ 'api-token': `${T}\n` });
		const env = withConfigFile({}, folder({ 'exostack.config.json': JSON.stringify({ EXOSTACK_DATA_DIR: data }) }));
		expect(hubToken('http://127.0.0.1:8000', undefined, env).token).toBe(T);
	});

	it('leaves the environment’s own values, and adds nothing from a file the hub would refuse', () => {
		const cwd = folder({ 'exostack.config.yaml': `EXOSTACK_API_TOKEN: ${T}\n` });
		expect(withConfigFile({ EXOSTACK_API_TOKEN: 'exo_from_the_environment_01' }, cwd).EXOSTACK_API_TOKEN).toBe(
			'exo_from_the_environment_01'
		);
		const broken = folder({ 'exostack.config.yaml': `EXOSTACK_API_TOKEN: ${T}\nEXOSTACK_TYPO: 1\n` });
		expect(withConfigFile({}, broken).EXOSTACK_API_TOKEN).toBeUndefined();
		const env = { HOME: '/root' };
		expect(withConfigFile(env, folder({}))).toBe(env);
	});
});
