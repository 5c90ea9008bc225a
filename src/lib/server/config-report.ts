/**
 * What `exostack config` shows: every setting the schema has, its value and where the value came
 * from, with secrets masked so the listing can be pasted into a bug report.
 */
import { readSettings } from './config';
import type { SettingSource } from './config-sources';

export interface SettingRow {
	key: string;
	/** The validated value (a list as an array); null when unset; secrets masked. */
	value: string | number | string[] | null;
	/** `environment`, the configuration file's name, or `default`. */
	source: string;
}

export interface ConfigReport {
	file: string | null;
	settings: SettingRow[];
}

export const MASK = '****';

/**
 * Whole values hidden by name (tokens, passwords, secrets), so a secret knob added later is masked
 * without being listed here; any other value that is a URL with a password keeps all but the password.
 */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSPHRASE)$|_KEY$/;

export function maskSetting(key: string, value: unknown): SettingRow['value'] {
	if (value === undefined || value === null) return null;
	if (SECRET_NAME.test(key)) return MASK;
	if (Array.isArray(value)) return value.map(String);
	if (typeof value === 'number') return value;
	const text = String(value);
	if (URL.canParse(text)) {
		const url = new URL(text);
		if (url.password) {
			url.password = MASK;
			return url.href;
		}
	}
	return text;
}

export function configReport(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): ConfigReport {
	const { values, sources, file } = readSettings(env, cwd);
	const label: Record<SettingSource, string> = { environment: 'environment', file: file ?? 'file', default: 'default' };
	return {
		file,
		// The sources name every key of the schema, set or not, in its order; an unset optional one is absent from the values.
		settings: (Object.keys(sources) as (keyof typeof sources)[]).map((key) => ({
			key,
			value: maskSetting(key, values[key]),
			source: label[sources[key]]
		}))
	};
}
