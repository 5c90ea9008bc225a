import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from './config';
import { configReport, maskSetting, MASK } from './config-report';

describe('configReport', () => {
	const cwd = mkdtempSync(path.join(tmpdir(), 'exostack-config-'));
	writeFileSync(
		path.join(cwd, 'exostack.config.yaml'),
		'EXOSTACK_CHUNK_SIZE: 12\nHF_TOKEN: hf_from_the_file\nEXOSTACK_ALLOWED_ORIGINS: [https://a.example]\n'
	);
	const report = configReport(
		{ EXOSTACK_API_TOKEN: 'exo_0123456789abcdef', DATABASE_URL: 'postgres://hub:s3cret@db.example:5432/exostack', PORT: '9001' },
		cwd
	);
	const row = (key: string) => report.settings.find((s) => s.key === key);

	it('lists every setting of the schema once, with its value and source', () => {
		expect(report.file).toBe('exostack.config.yaml');
		expect(row('PORT')).toEqual({ key: 'PORT', value: 9001, source: 'environment' });
		expect(row('EXOSTACK_CHUNK_SIZE')).toEqual({ key: 'EXOSTACK_CHUNK_SIZE', value: 12, source: 'exostack.config.yaml' });
		expect(row('EXOSTACK_ALLOWED_ORIGINS')).toEqual({
			key: 'EXOSTACK_ALLOWED_ORIGINS',
			value: ['https://a.example'],
			source: 'exostack.config.yaml'
		});
		expect(row('EXOSTACK_LEASE_SECONDS')).toEqual({ key: 'EXOSTACK_LEASE_SECONDS', value: 60, source: 'default' });
		expect(row('EXOSTACK_PUBLIC_URL')).toEqual({ key: 'EXOSTACK_PUBLIC_URL', value: null, source: 'default' });
		const keys = report.settings.map((s) => s.key);
		expect(new Set(keys).size).toBe(keys.length);
		expect(keys).toContain('HF_ENDPOINT');
		expect(keys).toEqual(Object.keys(readSettings({}, cwd).sources));
		expect(keys.length).toBeGreaterThan(40);
	});

	it('masks secrets: tokens whole, a database password inside its URL', () => {
		expect(row('EXOSTACK_API_TOKEN')!.value).toBe(MASK);
		expect(row('HF_TOKEN')).toEqual({ key: 'HF_TOKEN', value: MASK, source: 'exostack.config.yaml' });
		expect(row('DATABASE_URL')!.value).toBe('postgres://hub:****@db.example:5432/exostack');
		expect(JSON.stringify(report)).not.toMatch(/s3cret|hf_from_the_file|0123456789abcdef/);
	});

	it('masks by name, so a secret knob added later is hidden without being listed', () => {
		expect(maskSetting('EXOSTACK_WEBHOOK_SECRET', 'abc')).toBe(MASK);
		expect(maskSetting('EXOSTACK_SMTP_PASSWORD', 'abc')).toBe(MASK);
		expect(maskSetting('EXOSTACK_SIGNING_KEY', 'abc')).toBe(MASK);
		expect(maskSetting('EXOSTACK_KEY_JOBS_PER_DAY', 1000)).toBe(1000);
		expect(maskSetting('HF_ENDPOINT', 'https://huggingface.co')).toBe('https://huggingface.co');
		expect(maskSetting('EXOSTACK_TOKEN', undefined)).toBeNull();
	});
});
