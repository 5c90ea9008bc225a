import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configCommand } from './config-command';
import { CliError } from './hub-client';

function capture() {
	const text = { out: '', err: '' };
	return { text, io: { out: { write: (s: string) => (text.out += s) }, err: { write: (s: string) => (text.err += s) } } };
}

describe('exostack config', () => {
	const cwd = mkdtempSync(path.join(tmpdir(), 'exostack-config-'));
	writeFileSync(
		path.join(cwd, 'exostack.config.json'),
		JSON.stringify({ EXOSTACK_CHUNK_SIZE: 12, EXOSTACK_API_TOKEN: 'exo_from_file_0123456789' })
	);
	const env = { PORT: '9001', DATABASE_URL: 'postgres://hub:s3cret@db.example/exostack', PATH: '/usr/bin' };

	it('prints each setting, its value and its source, secrets masked, without a hub', () => {
		const { text, io } = capture();
		expect(configCommand({ json: false }, io, env, cwd)).toBe(0);
		const lines = text.out.split('\n');
		expect(lines[0]).toBe('configuration file: exostack.config.json');
		const line = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.replace(/ +/g, ' ');
		expect(line('PORT')).toBe('PORT 9001 (environment)');
		expect(line('EXOSTACK_CHUNK_SIZE')).toBe('EXOSTACK_CHUNK_SIZE 12 (exostack.config.json)');
		expect(line('EXOSTACK_LEASE_SECONDS')).toBe('EXOSTACK_LEASE_SECONDS 60 (default)');
		expect(line('EXOSTACK_API_TOKEN')).toBe('EXOSTACK_API_TOKEN **** (exostack.config.json)');
		expect(line('DATABASE_URL')).toBe('DATABASE_URL postgres://hub:****@db.example/exostack (environment)');
		expect(line('EXOSTACK_PUBLIC_URL')).toBe('EXOSTACK_PUBLIC_URL (not set) (default)');
		expect(text.out).not.toMatch(/s3cret|exo_from_file|PATH/);
	});

	it('prints JSON with --json', () => {
		const { text, io } = capture();
		configCommand({ json: true }, io, env, cwd);
		const report = JSON.parse(text.out);
		expect(report.file).toBe('exostack.config.json');
		expect(report.settings).toContainEqual({ key: 'EXOSTACK_CHUNK_SIZE', value: 12, source: 'exostack.config.json' });
		expect(report.settings).toContainEqual({ key: 'EXOSTACK_ALLOWED_ORIGINS', value: [], source: 'default' });
	});

	it('fails with the hub’s own message on an invalid configuration', () => {
		const { io } = capture();
		expect(() => configCommand({ json: false }, io, { EXOSTACK_CHUNK_SIZE: '0' }, cwd)).toThrow(CliError);
		expect(() => configCommand({ json: false }, io, { EXOSTACK_CHUNK_SIZE: '0' }, cwd)).toThrow(
			/invalid configuration:\n {2}EXOSTACK_CHUNK_SIZE: /
		);
	});
});
